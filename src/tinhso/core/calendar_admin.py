"""Admin of the official working-day calendar (CalendarDay): province admins enter each year's decisions.

Importing this module registers the admin (`from tinhso.core import calendar_admin` in core/admin.py).
The form refuses malformed rows with Vietnamese messages; every save and delete goes through
`calendar_day_set` / `calendar_day_delete`, which write the audit entry and refresh the cached calendar.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tinhso.core.calendar import calendar_day_delete, calendar_day_problems, calendar_day_set
from tinhso.core.models import AdministrativeUnit, CalendarDay, UnitLevel


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ("date", "kind", "name", "source", "province")
        help_texts = {
            "kind": _("Ngày nghỉ lễ, Tết; ngày nghỉ hoán đổi hoặc nghỉ bù; hoặc ngày làm bù (một ngày nghỉ "
                      "hằng tuần phải đi làm)."),
            "source": _("Số, ngày văn bản quyết định (ví dụ: Thông báo của Bộ Nội vụ) hoặc điều luật."),
            "province": _("Để trống nếu áp dụng toàn quốc."),
        }
        error_messages = {"name": {"required": _("Vui lòng nhập tên ngày (ví dụ: Tết Nguyên đán, Làm bù).")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = AdministrativeUnit.objects.filter(
            level=UnitLevel.PROVINCE, valid_to__isnull=True
        ).order_by("name")

    def clean_name(self) -> str:
        return (self.cleaned_data.get("name") or "").strip()

    def clean_source(self) -> str:
        return (self.cleaned_data.get("source") or "").strip()

    def clean(self):
        data = super().clean()
        if any(field in self.errors for field in ("date", "kind", "province")):
            return data  # the field's own message says it already
        problems = calendar_day_problems(
            date=data.get("date"), kind=data.get("kind", ""), name=data.get("name", ""),
            province=data.get("province"), exclude_id=self.instance.pk,
        )
        for field, messages in problems.items():
            if field not in self.errors:  # e.g. Django's own "required" message for an empty name
                for message in messages:
                    self.add_error(field, message)
        return data

    def validate_constraints(self) -> None:
        # The only constraint is one row per (date, province); clean() reports a duplicate in words an
        # admin can act on, and the database constraint still guards against a race.
        return None


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""


class CalendarDayAdmin(admin.ModelAdmin):
    form = CalendarDayForm
    list_display = ("date", "weekday", "kind", "name", "province", "source")
    list_filter = ("kind", ("province", admin.EmptyFieldListFilter))
    list_select_related = ("province",)
    search_fields = ("name", "source")
    date_hierarchy = "date"
    ordering = ("-date",)

    @admin.display(description=_("thứ"))
    def weekday(self, obj: CalendarDay) -> str:
        names = (_("Thứ Hai"), _("Thứ Ba"), _("Thứ Tư"), _("Thứ Năm"), _("Thứ Sáu"), _("Thứ Bảy"), _("Chủ nhật"))
        return names[obj.date.weekday()]

    def save_model(self, request, obj: CalendarDay, form, change: bool) -> None:
        saved = calendar_day_set(
            actor=request.user, date=obj.date, kind=obj.kind, name=obj.name, source=obj.source,
            province=obj.province, day_id=obj.pk if change else None, ip=_client_ip(request),
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj: CalendarDay) -> None:
        calendar_day_delete(actor=request.user, day_id=obj.pk, ip=_client_ip(request))

    def delete_queryset(self, request, queryset) -> None:
        for day_id in queryset.values_list("pk", flat=True):
            calendar_day_delete(actor=request.user, day_id=day_id, ip=_client_ip(request))


if not admin.site.is_registered(CalendarDay):
    admin.site.register(CalendarDay, CalendarDayAdmin)
