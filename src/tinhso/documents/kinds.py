"""The official one-stop forms and their numbers in each set (regulations.md §2.1).

- Circular 03/2025/TT-VPCP, Appendix I (guides Decree 118/2025/NĐ-CP): seven forms; 04 is the
  "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết", 05 the new "Thông báo dừng giải quyết
  hồ sơ".
- Circular 01/2018/TT-VPCP (guides Decree 61/2018/NĐ-CP): six forms; 04 is the "Phiếu xin lỗi và hẹn
  lại ngày trả kết quả", there is no stop notice, the control slip is 05 and the register 06.

A form is named by a stable slug (used in URLs), never by its number, which differs between sets.
Forms 01–06 are A5 (01–05 of 2018 "designed for electronic use and A5 print"); the register is A4
landscape.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FormKind(models.TextChoices):
    RECEIPT = "tiep-nhan", _("Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    SUPPLEMENT = "bo-sung", _("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ")
    REFUSAL = "tu-choi", _("Phiếu từ chối tiếp nhận giải quyết hồ sơ")
    APOLOGY = "xin-loi", _("Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết")
    STOP = "dung", _("Thông báo dừng giải quyết hồ sơ")
    CONTROL_SLIP = "kiem-soat", _("Phiếu kiểm soát quá trình giải quyết hồ sơ")
    REGISTER = "so-theo-doi", _("Sổ theo dõi hồ sơ")


@dataclass(frozen=True)
class FormSpec:
    kind: str
    number: str          # "01" … "07"
    title: str           # as printed, upper case on the form
    circular: str        # "Thông tư số 03/2025/TT-VPCP"
    template: str
    landscape: bool = False

    @property
    def per_dossier(self) -> bool:
        return self.kind != FormKind.REGISTER


CIRCULARS = {"2025": "Thông tư số 03/2025/TT-VPCP", "2018": "Thông tư số 01/2018/TT-VPCP"}

_SETS: dict[str, list[tuple[str, str, str]]] = {
    "2025": [
        (FormKind.RECEIPT, "01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
        (FormKind.SUPPLEMENT, "02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
        (FormKind.REFUSAL, "03", "Phiếu từ chối tiếp nhận giải quyết hồ sơ"),
        (FormKind.APOLOGY, "04", "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết"),
        (FormKind.STOP, "05", "Thông báo dừng giải quyết hồ sơ"),
        (FormKind.CONTROL_SLIP, "06", "Phiếu kiểm soát quá trình giải quyết hồ sơ"),
        (FormKind.REGISTER, "07", "Sổ theo dõi hồ sơ"),
    ],
    "2018": [
        (FormKind.RECEIPT, "01", "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"),
        (FormKind.SUPPLEMENT, "02", "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"),
        (FormKind.REFUSAL, "03", "Phiếu từ chối tiếp nhận giải quyết hồ sơ"),
        (FormKind.APOLOGY, "04", "Phiếu xin lỗi và hẹn lại ngày trả kết quả"),
        (FormKind.CONTROL_SLIP, "05", "Phiếu kiểm soát quá trình giải quyết hồ sơ"),
        (FormKind.REGISTER, "06", "Sổ theo dõi hồ sơ"),
    ],
}


def forms_set_current() -> str:
    return settings.TINHSO_FORMS_SET


def form_specs(forms_set: str | None = None) -> list[FormSpec]:
    """The forms of a set, in their official order."""
    chosen = forms_set or forms_set_current()
    if chosen not in _SETS:
        raise ValueError(f"unknown forms set {chosen!r}: 2025 or 2018")
    return [FormSpec(kind=str(kind), number=number, title=title, circular=CIRCULARS[chosen],
                     template=f"documents/form_{str(kind).replace('-', '_')}.html",
                     landscape=kind == FormKind.REGISTER)
            for kind, number, title in _SETS[chosen]]


def form_spec(kind: str, forms_set: str | None = None) -> FormSpec | None:
    """The form `kind` in the set, or None when the set has no such form (the 2018 stop notice)."""
    return next((spec for spec in form_specs(forms_set) if spec.kind == kind), None)
