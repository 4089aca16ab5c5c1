"""Forms of the citizen portal, drawn with GOV.UK markup (web/schema_forms.GovukForm).

A page of the procedure's own form is built by the shared mapper (`schema_questions`) from the
version's JSON Schema; the other pages (applicant, agency, files, supplement, withdrawal, the data
store) are small forms here. They check what the citizen can fix on the page; the dossier service
checks everything again at submission.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tinhso.catalog.models import ProcedureVersion
from tinhso.catalog.schemas import form_data_validate
from tinhso.dossiers.citizen_store import FACTS, SEX_VALUES
from tinhso.web.schema_forms import (
    DATE_FORMATS,
    DateInput,
    EmailInput,
    FormPage,
    GovukForm,
    MultipleFileField,
    TelInput,
    UnitChoices,
    answers_from,
    schema_questions,
    sized,
)

PHONE = re.compile(r"\+?\d{9,15}")


def clean_phone(value: str) -> str:
    return re.sub(r"[\s.\-()]", "", value or "")


class ApplicantForm(GovukForm):
    """Người nộp hồ sơ: name and personal id come from the account when it has them (shown, not
    asked); contact details are asked, pre-filled from the store."""

    name = forms.CharField(label=gettext_lazy("Họ, chữ đệm và tên"), max_length=150,
                           widget=forms.TextInput(attrs={"autocomplete": "name", "spellcheck": "false"}),
                           error_messages={"required": gettext_lazy("Nhập họ, chữ đệm và tên của bạn.")})
    id_number = forms.CharField(
        label=gettext_lazy("Số định danh cá nhân"), max_length=20,
        help_text=gettext_lazy("12 chữ số trên thẻ căn cước."),
        widget=sized(forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}), "govuk-input--width-20"),
        error_messages={"required": gettext_lazy("Nhập số định danh cá nhân.")})
    phone = forms.CharField(label=gettext_lazy("Số điện thoại"), max_length=20,
                            help_text=gettext_lazy("Cơ quan giải quyết gọi hoặc nhắn tin cho bạn theo số này."),
                            widget=sized(TelInput(attrs={"autocomplete": "tel"}), "govuk-input--width-20"),
                            error_messages={"required": gettext_lazy("Nhập số điện thoại.")})
    email = forms.EmailField(label=gettext_lazy("Thư điện tử"), required=False, max_length=254,
                             widget=EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
                             error_messages={"invalid": gettext_lazy(
                                 "Nhập địa chỉ thư điện tử đúng dạng, ví dụ ten@example.com.")})
    address = forms.CharField(label=gettext_lazy("Địa chỉ nơi cư trú"), max_length=300,
                              widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
                              error_messages={"required": gettext_lazy("Nhập địa chỉ nơi cư trú.")})

    def __init__(self, *args, locked: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.locked = {k: v for k, v in (locked or {}).items() if v}
        for name in self.locked:
            del self.fields[name]

    def clean(self):
        data = super().clean()
        number = re.sub(r"[\s.]", "", data.get("id_number") or "")
        if "id_number" in self.fields and number:
            data["id_number"] = number
            if not re.fullmatch(r"\d{12}", number):
                self.add_error("id_number", _("Số định danh cá nhân phải gồm đúng 12 chữ số."))
        phone = clean_phone(data.get("phone") or "")
        if phone:
            data["phone"] = phone
            if not PHONE.fullmatch(phone):
                self.add_error("phone", _("Số điện thoại chỉ gồm chữ số, ví dụ 0912345678."))
        return data

    def values(self) -> dict[str, str]:
        return {**self.locked, **{k: str(v or "") for k, v in self.cleaned_data.items()}}


class AgencyForm(GovukForm):
    agency = forms.ChoiceField(label=gettext_lazy("Cơ quan giải quyết hồ sơ của bạn"),
                               error_messages={"required": gettext_lazy("Chọn cơ quan giải quyết hồ sơ."),
                                               "invalid_choice": gettext_lazy("Chọn một cơ quan trong danh sách.")})

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(a.code, a.name) for a in agencies]
        made = self.fields["agency"]
        if len(choices) <= 5:
            made.widget = forms.RadioSelect()
            made.choices = choices
        else:
            made.choices = [("", _("Chọn cơ quan"))] + choices
        made.help_text = _("Cơ quan có thẩm quyền tiếp nhận và giải quyết thủ tục này.")


class SchemaPageForm(GovukForm):
    """One page of the procedure's form. Field names are the schema's property names."""

    def __init__(self, *args, version: ProcedureVersion, page: FormPage, unit_choices: UnitChoices | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.version, self.page = version, page
        questions, _unsupported = schema_questions(version.form_schema, version.form_ui, names=page.names,
                                                   autocomplete=True, unit_choices=unit_choices)
        self.questions = {name: (name, made) for name, made in questions}
        for name, made in questions:
            self.fields[name] = made

    def answers(self) -> dict[str, Any]:
        return answers_from(self.questions, self.cleaned_data)

    def check_schema(self, others: dict[str, Any]) -> bool:
        """The JSON Schema's own rules (lengths, patterns, ranges) on this page's answers, with
        the catalogue's Vietnamese messages; answers of other pages are not judged here."""
        data = {**{k: v for k, v in others.items() if k not in self.questions}, **self.answers()}
        ok = True
        for problem in form_data_validate(self.version, data):
            name = str(problem.get("field") or "").split(".")[0]
            if name in self.questions and not self.errors.get(name):
                self.add_error(name, problem["message"])
                ok = False
        return ok


class UploadForm(GovukForm):
    """One file for one component (the files page draws one per component)."""

    file = forms.FileField(label=gettext_lazy("Chọn tệp"), required=True,
                           error_messages={"required": gettext_lazy("Chọn một tệp để tải lên."),
                                           "empty": gettext_lazy("Tệp đã chọn rỗng (0 byte).")})
    keep = forms.BooleanField(label=gettext_lazy("Lưu tệp này vào “Giấy tờ của tôi” để dùng cho lần sau"),
                              required=False)

    def __init__(self, *args, component: dict[str, Any], **kwargs):
        kwargs.setdefault("prefix", f"tp-{component['code']}")
        super().__init__(*args, **kwargs)
        self.component = component
        self.fields["file"].label = component["name"]
        self.fields["file"].help_text = _("Tệp PDF, JPEG hoặc PNG.")


class SaveFactsForm(GovukForm):
    save_facts = forms.BooleanField(
        label=gettext_lazy("Lưu các thông tin về bạn trong hồ sơ này vào kho dữ liệu để lần sau không phải nhập lại"),
        required=False)


class SupplementForm(GovukForm):
    note = forms.CharField(label=gettext_lazy("Nội dung bổ sung"), required=False, max_length=2000,
                           help_text=gettext_lazy("Ghi ngắn gọn những gì bạn bổ sung, sửa đổi."),
                           widget=forms.Textarea(attrs={"rows": 4}))
    component = forms.ChoiceField(label=gettext_lazy("Giấy tờ bổ sung thuộc thành phần hồ sơ"), required=False)
    files = MultipleFileField(label=gettext_lazy("Tệp giấy tờ bổ sung"), required=False,
                              help_text=gettext_lazy("Có thể chọn nhiều tệp PDF, JPEG hoặc PNG."))
    key = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args, components=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["component"].choices = [("", _("Không thuộc thành phần cụ thể"))] + [
            (c["code"], c["name"]) for c in components]

    def clean(self):
        data = super().clean()
        if not (data.get("note") or "").strip() and not data.get("files"):
            self.add_error("note", _("Nhập nội dung bổ sung hoặc chọn tệp giấy tờ bổ sung."))
        return data


class WithdrawForm(GovukForm):
    note = forms.CharField(label=gettext_lazy("Lý do rút hồ sơ"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": gettext_lazy("Nhập lý do rút hồ sơ.")})
    key = forms.CharField(widget=forms.HiddenInput, max_length=40)


class FactsForm(GovukForm):
    """The facts of the data store, typed by the citizen."""

    def __init__(self, *args, unit_choices: UnitChoices | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for key, spec in FACTS.items():
            if key == "id_number":
                continue  # the account's identity: changed only through VNeID or at the counter
            label = str(spec.label)
            if spec.kind == "date":
                made = forms.DateField(label=label, required=False, input_formats=DATE_FORMATS,
                                       widget=sized(DateInput(attrs={"autocomplete": "bday"}), "govuk-input--width-10"),
                                       error_messages={"invalid": _("Nhập ngày hợp lệ, ví dụ 01/07/1990.")})
            elif spec.kind == "sex":
                made = forms.ChoiceField(label=label, required=False, widget=forms.RadioSelect,
                                         choices=[(v, v) for v in SEX_VALUES])
            elif spec.kind == "unit" and unit_choices is not None:
                made = forms.ChoiceField(label=label.replace(" (mã)", ""), required=False,
                                         choices=[("", _("Chọn xã, phường"))] + list(unit_choices()))
            else:
                attrs = {"autocomplete": {"full_name": "name", "phone": "tel", "email": "email",
                                          "address": "street-address", "nationality": "country-name"}.get(key, "off")}
                widget = TelInput(attrs=attrs) if key == "phone" else forms.TextInput(attrs=attrs)
                made = forms.CharField(label=label, required=False, max_length=spec.max_length, widget=widget)
            self.fields[key] = made

    def clean(self):
        data = super().clean()
        phone = clean_phone(data.get("phone") or "")
        if phone:
            data["phone"] = phone
            if not PHONE.fullmatch(phone):
                self.add_error("phone", _("Số điện thoại chỉ gồm chữ số, ví dụ 0912345678."))
        email = (data.get("email") or "").strip()
        if email:
            try:
                forms.EmailField().clean(email)
            except forms.ValidationError:
                self.add_error("email", _("Nhập địa chỉ thư điện tử đúng dạng, ví dụ ten@example.com."))
        return data


class DocumentForm(GovukForm):
    title = forms.CharField(label=gettext_lazy("Tên giấy tờ"), max_length=200,
                            help_text=gettext_lazy("Ví dụ: Giấy chứng nhận kết hôn, Thẻ căn cước (mặt trước)."),
                            error_messages={"required": gettext_lazy("Nhập tên giấy tờ.")})
    file = forms.FileField(label=gettext_lazy("Tệp giấy tờ"), help_text=gettext_lazy("Tệp PDF, JPEG hoặc PNG."),
                           error_messages={"required": gettext_lazy("Chọn tệp giấy tờ."),
                                           "empty": gettext_lazy("Tệp đã chọn rỗng (0 byte).")})
