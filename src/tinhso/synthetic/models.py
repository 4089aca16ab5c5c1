"""A record of each generation: what was asked and what was written, so that the demo generates
once and a benchmark knows the data it runs on."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class GenerationRun(models.Model):
    label = models.CharField(_("nhãn"), max_length=40, blank=True, db_index=True)
    seed = models.BigIntegerField(_("hạt giống"))
    params = models.JSONField(_("tham số"), default=dict)
    counts = models.JSONField(_("số bản ghi"), default=dict, blank=True)
    first_dossier_id = models.BigIntegerField(null=True, blank=True)
    last_dossier_id = models.BigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(_("bắt đầu"))
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lần sinh dữ liệu tổng hợp")
        verbose_name_plural = _("các lần sinh dữ liệu tổng hợp")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.label or self.pk} ({self.seed})"
