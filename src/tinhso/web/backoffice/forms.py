"""Forms of the back office, rendered with GOV.UK Frontend markup, and the small mapper that turns a
procedure's form (JSON Schema 2020-12 + form_ui hints) into a Django form for counter intake.

The forms only check what a person can fix on the page (a required answer, a date that is not a
date, a 12-digit personal number); the dossier services check everything again and their
field-level refusals are put back on the same fields (views.py).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.catalog.models import ApplicantType
from tinhso.catalog.workflow import REASON_REQUIRED, ActionSpec, Effect

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
ENUM_RADIO_LIMIT = 5
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]


def new_key() -> str:
    """A fresh anti-double-submit key, put in a hidden field when a form is drawn."""
    return uuid.uuid4().hex


# --- Widgets ------------------------------------------------------------------------------------

class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class TelInput(forms.TextInput):
    input_type = "tel"


def sized(widget: forms.Widget, width: str) -> forms.Widget:
    """A GOV.UK width class for an input (e.g. "govuk-input--width-10"), kept off the HTML attrs."""
    widget.govuk_width = width
    return widget


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (empty when none was chosen)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        one = super().clean
        if isinstance(data, (list, tuple)):
            return [one(item, initial) for item in data if item]
        return [one(data, initial)] if data else []


# --- GOV.UK rendering ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    id: str
    value: str
    label: str
    checked: bool


@dataclass
class FieldView:
    """What the template `backoffice/_field.html` needs to draw one question the GOV.UK way."""

    bf: forms.BoundField
    kind: str                 # input | textarea | select | radios | checkbox | file
    label: str
    hint: str
    error: str
    required: bool
    html: str = ""
    options: list[Option] = field(default_factory=list)
    checked: bool = False

    @property
    def id(self) -> str:
        return self.bf.auto_id

    @property
    def target(self) -> str:
        """The element the error summary links to (the first radio of a group)."""
        return self.options[0].id if self.options else self.id

    @property
    def name(self) -> str:
        return self.bf.html_name


_INPUT_CLASS = {
    "textarea": ("govuk-textarea", "govuk-textarea--error"),
    "select": ("govuk-select", "govuk-select--error"),
    "file": ("govuk-file-upload", "govuk-file-upload--error"),
    "input": ("govuk-input", "govuk-input--error"),
}


def _kind(widget: forms.Widget) -> str:
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.FileInput):
        return "file"
    return "input"


def field_view(bf: forms.BoundField) -> FieldView:
    widget = bf.field.widget
    kind = _kind(widget)
    error = str(bf.errors[0]) if bf.errors else ""
    view = FieldView(bf=bf, kind=kind, label=str(bf.label), hint=str(bf.help_text or ""), error=error,
                     required=bf.field.required)
    if kind == "radios":
        current = "" if bf.value() is None else str(bf.value())
        choices = [(str(v), str(label)) for v, label in bf.field.choices if str(v) != ""]
        view.options = [Option(id=bf.auto_id if i == 0 else f"{bf.auto_id}-{i}", value=v, label=label,
                               checked=v == current) for i, (v, label) in enumerate(choices)]
    elif kind == "checkbox":
        view.checked = bool(bf.value())
    else:
        base, failed = _INPUT_CLASS[kind]
        width = getattr(widget, "govuk_width", "")
        classes = " ".join(c for c in (base, width, failed if error else "") if c)
        view.html = bf.as_widget(attrs={"class": classes})
    return view


class GovukForm(forms.Form):
    """A Django form drawn with GOV.UK markup: no browser validation (the error summary and the
    inline messages say what is wrong, in Vietnamese)."""

    use_required_attribute = False

    def views(self, names: list[str] | None = None) -> list[FieldView]:
        chosen = names if names is not None else [n for n in self.fields if not self[n].is_hidden]
        return [field_view(self[n]) for n in chosen if n in self.fields]

    def summary_anchor(self) -> str:
        visible = [n for n in self.fields if not self[n].is_hidden]
        return field_view(self[visible[0]]).target if visible else ""

    def error_list(self) -> list[dict[str, str]]:
        """The error summary's entries: {href, message}, in the order of the page."""
        if not self.is_bound or not self.errors:
            return []
        items = [{"href": f"#{self.summary_anchor()}", "message": str(m)} for m in self.non_field_errors()]
        for name in self.fields:
            bf = self[name]
            if bf.errors and not bf.is_hidden:
                items.append({"href": f"#{field_view(bf).target}", "message": str(bf.errors[0])})
        hidden = [str(m) for n in self.fields if self[n].is_hidden for m in self[n].errors]
        if hidden:  # a tampered or stale hidden field: say so, do not hide it
            items.append({"href": f"#{self.summary_anchor()}",
                          "message": _("Biểu mẫu đã cũ, hãy tải lại trang rồi thử lại.")})
        return items


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


# --- Counter intake: the procedure's form ------------------------------------------------------

def _first_type(prop: dict) -> str:
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind or ("string" if "enum" in prop else "")


def _schema_field(prop: dict, *, title: str, required: bool, ui: dict) -> forms.Field | None:
    """One JSON Schema property as a Django field, or None when the counter form cannot ask it
    (objects, arrays)."""
    kind, widget_hint = _first_type(prop), ui.get("widget")
    hint = str(ui.get("hint") or prop.get("description") or "")
    common: dict[str, Any] = {"label": title, "required": required, "help_text": hint}
    missing = {"required": _("Nhập “%(title)s”.") % {"title": title}}
    if "enum" in prop:
        values = {str(v): v for v in prop["enum"]}
        radios = widget_hint == "radio" or (widget_hint != "select" and len(values) <= ENUM_RADIO_LIMIT)
        choices = [(k, k) for k in values]
        made = forms.ChoiceField(
            choices=choices if radios else [("", _("Chọn"))] + choices,
            widget=forms.RadioSelect if radios else forms.Select,
            error_messages={"required": _("Chọn “%(title)s”.") % {"title": title},
                            "invalid_choice": _("Chọn một giá trị của “%(title)s”.") % {"title": title}}, **common)
        made.schema_values = values
        return made
    if kind == "boolean" or widget_hint == "checkbox":
        return forms.BooleanField(label=title, required=False, help_text=hint)
    number_messages = {**missing, "invalid": _("“%(title)s” phải là số.") % {"title": title}}
    limits = {"min_value": prop.get("minimum"), "max_value": prop.get("maximum")}
    if kind == "integer":
        return forms.IntegerField(widget=sized(forms.NumberInput(), "govuk-input--width-10"),
                                  error_messages={**number_messages, "invalid": _(
                                      "“%(title)s” phải là số nguyên.") % {"title": title}}, **limits, **common)
    if kind == "number":
        return forms.DecimalField(widget=sized(forms.TextInput(attrs={"inputmode": "decimal"}),
                                                          "govuk-input--width-10"),
                                  error_messages=number_messages, **limits, **common)
    if kind != "string":
        return None
    if prop.get("format") == "date" or widget_hint == "date":
        return forms.DateField(widget=sized(DateInput(), "govuk-input--width-10"),
                               input_formats=DATE_FORMATS, error_messages={
                                   **missing, "invalid": _("“%(title)s” phải là ngày hợp lệ, ví dụ 01/07/2025.")
                                   % {"title": title}}, **common)
    if prop.get("format") == "email":
        return forms.EmailField(error_messages={**missing, "invalid": _(
            "“%(title)s” phải là địa chỉ thư điện tử hợp lệ.") % {"title": title}}, **common)
    if widget_hint == "textarea":
        widget = forms.Textarea(attrs={"rows": 4})
    elif widget_hint == "id_number":
        widget = sized(forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}), "govuk-input--width-20")
    else:
        widget = forms.TextInput()
    return forms.CharField(widget=widget, error_messages=missing, **common)


def schema_questions(schema: dict, ui: dict) -> tuple[list[tuple[str, forms.Field]], list[str]]:
    """The questions of a procedure's form in display order (form_ui.order first), as
    (property name, field); and the titles of the questions the counter form cannot ask."""
    properties = (schema or {}).get("properties") or {}
    required = set((schema or {}).get("required") or [])
    ui = ui if isinstance(ui, dict) else {}
    order = [n for n in ui.get("order") or [] if n in properties]
    order += [n for n in properties if n not in order]
    hints = ui.get("fields") or {}
    questions, unsupported = [], []
    for name in order:
        prop = properties[name] if isinstance(properties[name], dict) else {}
        title = str(prop.get("title") or name)
        made = _schema_field(prop, title=title, required=name in required, ui=hints.get(name) or {})
        if made is None:
            unsupported.append(title)
        else:
            questions.append((name, made))
    return questions, unsupported


def _json_value(made: forms.Field, value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    values = getattr(made, "schema_values", None)
    return values.get(value, value) if values else value


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
        out: dict[str, Any] = {}
        for field_name, name in self.schema_names.items():
            made, value = self.fields[field_name], self.cleaned_data.get(field_name)
            if isinstance(made, forms.BooleanField):
                out[name] = bool(value)
            elif value not in (None, ""):
                out[name] = _json_value(made, value)
        return out

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
