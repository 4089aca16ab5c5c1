"""Signing keys of the agencies and the e-results (kết quả điện tử) they signed.

A `SigningKey` says where an agency's key is: a PKCS#12 file under TINHSO_SIGNING_DIR (the
default) or an object on a PKCS#11 token (a USB token or an HSM). No secret is stored here: the
PKCS#12 passphrase and the token PIN come from the environment at signing time.

A `ResultDocument` is the signed result PDF of one dossier: the file itself is an
`dossiers.Attachment` with `is_result=True` (content-addressed, SHA-256 kept); this row adds the
public result code printed under the QR and what the verification page may show.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tinhso.core.models import Agency
from tinhso.dossiers.models import Attachment, Dossier


class SigningBackend(models.TextChoices):
    PKCS12 = "pkcs12", _("Tệp khóa PKCS#12")
    PKCS11 = "pkcs11", _("Thiết bị ký số PKCS#11 (token, HSM)")


class SigningKey(models.Model):
    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="signing_key",
                                  verbose_name=_("cơ quan"))
    backend = models.CharField(
        _("nơi giữ khóa"), max_length=10, choices=SigningBackend.choices, blank=True,
        help_text=_("Để trống: theo cấu hình TINHSO_SIGNING_BACKEND."))
    pkcs12_file = models.CharField(
        _("tệp PKCS#12"), max_length=200, blank=True,
        help_text=_("Tên tệp trong thư mục TINHSO_SIGNING_DIR; để trống: <mã cơ quan>.p12."))
    pkcs11_key_label = models.CharField(
        _("nhãn khóa trên thiết bị"), max_length=100, blank=True,
        help_text=_("Để trống: mã định danh của cơ quan."))
    pkcs11_cert_label = models.CharField(
        _("nhãn chứng thư trên thiết bị"), max_length=100, blank=True,
        help_text=_("Để trống: dùng chứng thư dán ở dưới, hoặc cùng nhãn với khóa."))
    certificate_pem = models.TextField(_("chứng thư số (PEM)"), blank=True)
    is_demo = models.BooleanField(_("khóa trình diễn, không dùng thật"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("khóa ký số của cơ quan")
        verbose_name_plural = _("khóa ký số của cơ quan")

    def __str__(self) -> str:
        return str(self.agency)


class ResultDocument(models.Model):
    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="result_document")
    attachment = models.OneToOneField(Attachment, on_delete=models.CASCADE, related_name="result_document")
    code = models.CharField(_("mã kết quả"), max_length=60, unique=True)
    name = models.CharField(_("tên giấy tờ"), max_length=300)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("cơ quan ký"))
    sha256 = models.CharField(max_length=64, db_index=True)
    signer_name = models.CharField(_("người ký (chứng thư)"), max_length=300)
    signer_organisation = models.CharField(_("tổ chức (chứng thư)"), max_length=300, blank=True)
    certificate_serial = models.CharField(max_length=80)
    signed_at = models.DateTimeField(_("thời điểm ký"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("kết quả điện tử đã ký")
        verbose_name_plural = _("kết quả điện tử đã ký")

    def __str__(self) -> str:
        return self.code
