"""Forms of the back office, rendered with GOV.UK Frontend markup. The procedure's own form (JSON
Schema 2020-12 + form_ui hints) is drawn by the mapper shared with the citizen portal
(`tinhso.web.schema_forms`).

The forms only check what a person can fix on the page (a required answer, a date that is not a
date, a 12-digit personal number); the dossier services check everything again and their
field-level refusals are put back on the same fields (views.py).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.catalog.models import ApplicantType
from tinhso.catalog.workflow import REASON_REQUIRED, ActionSpec, Effect
from tinhso.web.schema_forms import (  # noqa: F401  (re-exported: the back office's names for them)
    DATE_FORMATS,
    DATETIME_FORMATS,
    ENUM_RADIO_LIMIT,
    DateInput,
    DateTimeLocalInput,
    FieldView,
    GovukForm,
    MultipleFileField,
    MultipleFileInput,
    Option,
    TelInput,
    answers_from,
    field_view,
    new_key,
    schema_questions,
    sized,
)

#: The applicant fields of the intake form and the service's names for them.
APPLICANT_FIELDS = {
    "applicant_kind": "applicant.kind",
    "applicant_name": "applicant.name",
    "applicant_id_number": "applicant.id_number",
    "applicant_phone": "applicant.phone",
    "applicant_email": "applicant.email",
    "applicant_address": "applicant.address",
}
SCHEMA_PREFIX = "tk-"
FILE_PREFIX = "tep-"


# --- Actions on a dossier -----------------------------------------------------------------------

NOTE_LABELS = {
    Effect.REFUSE: gettext_lazy("Lý do"),
    Effect.STOP: gettext_lazy("Lý do"),
    Effect.EXTEND: gettext_lazy("Lý do"),
    Effect.SUPPLEMENT_REQUEST: gettext_lazy("Nội dung yêu cầu bổ sung"),
    Effect.SUPPLEMENT_RECEIVED: gettext_lazy("Nội dung bổ sung"),
    Effect.WITHDRAW: gettext_lazy("Lý do rút hồ sơ"),
}
NOTE_HINTS = {
    Effect.REFUSE: gettext_lazy("Ghi rõ lý do từ chối; nội dung này được gửi cho người nộp hồ sơ."),
    Effect.STOP: gettext_lazy("Ghi rõ lý do dừng giải quyết; nội dung này được gửi cho người nộp hồ sơ."),
    Effect.EXTEND: gettext_lazy("Lý do chậm giải quyết, ghi trong văn bản xin lỗi và đề nghị gia hạn."),
    Effect.SUPPLEMENT_REQUEST: gettext_lazy("Nêu đủ một lần các giấy tờ, nội dung cần bổ sung, hoàn thiện."),
}
NOTE_MISSING = {
    Effect.REFUSE: gettext_lazy("Nhập lý do từ chối."),
    Effect.STOP: gettext_lazy("Nhập lý do dừng giải quyết."),
    Effect.EXTEND: gettext_lazy("Nhập lý do xin lỗi và gia hạn."),
    Effect.SUPPLEMENT_REQUEST: gettext_lazy("Nhập nội dung yêu cầu bổ sung."),
}


class ActionForm(GovukForm):
    """One workflow action on the dossier page. The prefix (the action's code) keeps the ids of
    the several forms on one page apart."""

    expected_seq = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    key = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args, action: ActionSpec, assignees=(), components=(), **kwargs):
        kwargs.setdefault("prefix", action.code)
        super().__init__(*args, **kwargs)
        self.action = action
        effect = action.effect
        self.fields["note"] = forms.CharField(
            label=NOTE_LABELS.get(effect, gettext_lazy("Ý kiến xử lý")), required=effect in REASON_REQUIRED,
            help_text=NOTE_HINTS.get(effect, ""), widget=forms.Textarea(attrs={"rows": 3}),
            error_messages={"required": NOTE_MISSING.get(effect, _("Nhập nội dung."))})
        if effect == Effect.EXTEND:
            self.fields["new_due_at"] = forms.DateTimeField(
                label=_("Ngày hẹn trả mới"), help_text=_("Ngày và giờ hẹn trả kết quả mới, sau ngày hẹn hiện tại."),
                widget=sized(DateTimeLocalInput(), "govuk-input--width-20"),
                input_formats=DATETIME_FORMATS,
                error_messages={"required": _("Nhập ngày hẹn trả mới."),
                                "invalid": _("Ngày hẹn trả mới phải là ngày giờ hợp lệ, ví dụ 25/07/2026 16:30.")})
        if action.assign:
            self.fields["assignee"] = forms.ChoiceField(
                label=_("Giao cho"), required=False,
                help_text=_("Để trống thì mọi cán bộ có vai trò ở bước tiếp theo đều thấy hồ sơ."),
                choices=[("", _("Không giao cho người cụ thể"))] + list(assignees),
                error_messages={"invalid_choice": _("Người được chọn không thể nhận hồ sơ ở bước tiếp theo.")})
        if effect == Effect.SUPPLEMENT_RECEIVED:
            self.fields["component"] = forms.ChoiceField(
                label=_("Thuộc thành phần hồ sơ"), required=False,
                choices=[("", _("Không thuộc thành phần cụ thể"))] + [(c["code"], c["name"]) for c in components])
            self.fields["files"] = MultipleFileField(
                label=_("Tệp giấy tờ bổ sung"), required=False,
                help_text=_("Có thể chọn nhiều tệp PDF, JPEG hoặc PNG; tệp được ghi nhận là đã số hóa tại quầy."))

    @property
    def has_files(self) -> bool:
        return "files" in self.fields


# --- Counter intake ------------------------------------------------------------------------

class IntakeForm(GovukForm):
    """Counter intake: the applicant, the procedure's own form, the scanned papers per component,
    and who handles the dossier next."""

    applicant_kind = forms.ChoiceField(label=gettext_lazy("Người nộp là"), choices=ApplicantType.choices,
                                       initial=ApplicantType.CITIZEN, widget=forms.RadioSelect,
                                       error_messages={"required": gettext_lazy("Chọn loại người nộp.")})
    applicant_name = forms.CharField(label=gettext_lazy("Họ và tên chủ hồ sơ (hoặc tên tổ chức)"), max_length=200,
                                     widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
                                     error_messages={"required": gettext_lazy("Nhập họ và tên chủ hồ sơ.")})
    applicant_id_number = forms.CharField(
        label=gettext_lazy("Số định danh cá nhân hoặc số giấy tờ"), max_length=20,
        help_text=gettext_lazy("Công dân Việt Nam: 12 chữ số trên thẻ căn cước. Tổ chức: mã số thuế."),
        widget=sized(forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false", "autocomplete": "off"}),
                     "govuk-input--width-20"),
        error_messages={"required": gettext_lazy("Nhập số định danh cá nhân hoặc số giấy tờ.")})
    applicant_phone = forms.CharField(label=gettext_lazy("Số điện thoại"), required=False, max_length=20,
                                      widget=sized(TelInput(attrs={"autocomplete": "off"}), "govuk-input--width-20"))
    applicant_email = forms.EmailField(label=gettext_lazy("Thư điện tử"), required=False, max_length=254,
                                       widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
                                       error_messages={"invalid": gettext_lazy(
                                           "Nhập địa chỉ thư điện tử đúng dạng, ví dụ ten@example.com.")})
    applicant_address = forms.CharField(label=gettext_lazy("Địa chỉ"), required=False, max_length=300)
    key = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args, version, assignees=(), competent=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        questions, self.unsupported = schema_questions(version.form_schema, version.form_ui)
        self.schema_names = {SCHEMA_PREFIX + name: name for name, _f in questions}
        for name, made in questions:
            self.fields[SCHEMA_PREFIX + name] = made
        self.component_names = {}
        for component in version.components or []:
            name = FILE_PREFIX + component["code"]
            self.component_names[name] = component["code"]
            self.fields[name] = MultipleFileField(
                label=component["name"], required=False,
                help_text=_("Bắt buộc theo thủ tục.") if component.get("required") else _("Nếu có."))
        if competent:
            self.fields["competent_agency"] = forms.ChoiceField(
                label=_("Cơ quan có thẩm quyền giải quyết"), choices=[("", _("Chọn cơ quan"))] + list(competent),
                error_messages={"required": _("Chọn cơ quan có thẩm quyền giải quyết.")})
        if assignees:
            self.fields["assignee"] = forms.ChoiceField(
                label=_("Giao cho cán bộ xử lý"), required=False, choices=[("", _("Không giao cho người cụ thể"))]
                + list(assignees), help_text=_("Chỉ áp dụng khi tiếp nhận ngay."),
                error_messages={"invalid_choice": _("Người được chọn không thể nhận hồ sơ này.")})

    def clean(self):
        data = super().clean()
        number = re.sub(r"[\s.]", "", data.get("applicant_id_number") or "")
        if number:
            data["applicant_id_number"] = number
            if data.get("applicant_kind") == ApplicantType.CITIZEN and not re.fullmatch(r"\d{12}", number):
                self.add_error("applicant_id_number", _("Số định danh cá nhân phải gồm đúng 12 chữ số."))
        phone = re.sub(r"[\s.\-()]", "", data.get("applicant_phone") or "")
        if phone:
            data["applicant_phone"] = phone
            if not re.fullmatch(r"\+?\d{9,15}", phone):
                self.add_error("applicant_phone", _("Số điện thoại chỉ gồm chữ số, ví dụ 0912345678."))
        return data

    def form_data(self) -> dict[str, Any]:
        """The answers as the JSON the procedure's schema describes; empty answers left out."""
        return answers_from({f: (name, self.fields[f]) for f, name in self.schema_names.items()}, self.cleaned_data)

    def files_chosen(self) -> bool:
        return any(self.files.getlist(self.add_prefix(n)) for n in self.component_names) if self.files else False


# --- Register -----------------------------------------------------------------------------------

class RegisterForm(GovukForm):
    co_quan = forms.ChoiceField(label=gettext_lazy("Cơ quan"))
    tu_ngay = forms.DateField(label=gettext_lazy("Từ ngày"), input_formats=DATE_FORMATS,
                              widget=sized(DateInput(), "govuk-input--width-10"),
                              error_messages={"required": gettext_lazy("Nhập ngày đầu."),
                                              "invalid": gettext_lazy("Ngày đầu phải là ngày hợp lệ.")})
    den_ngay = forms.DateField(label=gettext_lazy("Đến ngày"), input_formats=DATE_FORMATS,
                               widget=sized(DateInput(), "govuk-input--width-10"),
                               error_messages={"required": gettext_lazy("Nhập ngày cuối."),
                                               "invalid": gettext_lazy("Ngày cuối phải là ngày hợp lệ.")})

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["co_quan"].choices = [(a.code, a.name) for a in agencies]

    def clean(self):
        data = super().clean()
        start, end = data.get("tu_ngay"), data.get("den_ngay")
        if start and end:
            if end < start:
                self.add_error("den_ngay", _("Ngày cuối phải bằng hoặc sau ngày đầu."))
            elif (end - start).days > 366:
                self.add_error("den_ngay", _("Chỉ xem tối đa một năm mỗi lần."))
        return data
