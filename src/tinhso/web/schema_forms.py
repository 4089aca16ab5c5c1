"""A procedure's form (JSON Schema 2020-12 + `form_ui` hints) as Django form fields, and the GOV.UK
rendering helpers both the back office and the citizen portal draw their forms with.

One mapper for every channel: the counter intake (web.backoffice) and online filing (web.portal)
ask the same questions with the same labels, hints, checks and Vietnamese messages.

Mapping (`schema_questions`):
- string → text input (`form_ui` widget `textarea` → textarea, `id_number` → numeric text input,
  `unit` → a select of administrative units when the caller gives `unit_choices`, else text);
  `format: date` → date input; `format: email` → e-mail input;
- `enum` → radios (≤ 5 values, or widget `radio`) or a select;
- integer / number → numeric inputs with the schema's minimum / maximum; boolean → checkbox;
- objects and arrays are not asked (returned as "unsupported").
- title → label; `form_ui.fields[name].hint` or `description` → hint; `form_ui.order` first.

Portal-only annotations, read from the form schema (JSON Schema allows keywords it does not know;
`catalog.schemas.FormUi` accepts only `order` and `fields`):
- `"x-fact": "<fact key>"` on a property: the answer is a fact about the person filing (see
  dossiers.citizen_store.FACTS): it is pre-filled from their data store and gets the matching
  `autocomplete` token when the caller asks for autocomplete;
- `"x-sections": [{"title", "fields": [names], "one_per_page": bool}]` at the top: the portal's
  pages (`form_pages`). Without it the whole form is one page.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _

ENUM_RADIO_LIMIT = 5
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
FACT_KEYWORD = "x-fact"
SECTIONS_KEYWORD = "x-sections"

#: HTML autocomplete tokens of the facts that have one (WHATWG autofill field names; WCAG 2.1 SC
#: 1.3.5 "Identify input purpose"). A personal id number has no token.
FACT_AUTOCOMPLETE = {
    "full_name": "name",
    "birth_date": "bday",
    "sex": "sex",
    "phone": "tel",
    "email": "email",
    "address": "street-address",
    "nationality": "country-name",
}


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


class EmailInput(forms.EmailInput):
    pass


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
    """What a `_field.html` template needs to draw one question the GOV.UK way."""

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
        attrs = {"class": classes}
        described = " ".join(i for i, on in ((f"{bf.auto_id}_helptext", view.hint), (f"{bf.auto_id}_error", error))
                             if on)
        if described:
            attrs["aria-describedby"] = described
        view.html = bf.as_widget(attrs=attrs)
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


# --- The procedure's form -----------------------------------------------------------------------

UnitChoices = Callable[[], Iterable[tuple[str, str]]]


def _first_type(prop: dict) -> str:
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind or ("string" if "enum" in prop else "")


def schema_fact(prop: Any) -> str:
    """The data-store fact a property asks for (its `x-fact` annotation), or ""."""
    return str(prop.get(FACT_KEYWORD) or "") if isinstance(prop, dict) else ""


def _schema_field(prop: dict, *, title: str, required: bool, ui: dict, autocomplete: str = "",
                  unit_choices: UnitChoices | None = None) -> forms.Field | None:
    """One JSON Schema property as a Django field, or None when it cannot be asked on a page
    (objects, arrays)."""
    kind, widget_hint = _first_type(prop), ui.get("widget")
    hint = str(ui.get("hint") or prop.get("description") or "")
    common: dict[str, Any] = {"label": title, "required": required, "help_text": hint}
    missing = {"required": _("Nhập “%(title)s”.") % {"title": title}}
    auto = {"autocomplete": autocomplete} if autocomplete else {}
    if "enum" in prop:
        values = {str(v): v for v in prop["enum"]}
        radios = widget_hint == "radio" or (widget_hint != "select" and len(values) <= ENUM_RADIO_LIMIT)
        choices = [(k, k) for k in values]
        made = forms.ChoiceField(
            choices=choices if radios else [("", _("Chọn"))] + choices,
            widget=forms.RadioSelect if radios else forms.Select(attrs=auto),
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
        return forms.DateField(widget=sized(DateInput(attrs=auto), "govuk-input--width-10"),
                               input_formats=DATE_FORMATS, error_messages={
                                   **missing, "invalid": _("“%(title)s” phải là ngày hợp lệ, ví dụ 01/07/2025.")
                                   % {"title": title}}, **common)
    if prop.get("format") == "email":
        return forms.EmailField(widget=EmailInput(attrs={"spellcheck": "false", **auto}), error_messages={
            **missing, "invalid": _("“%(title)s” phải là địa chỉ thư điện tử hợp lệ.") % {"title": title}},
            **common)
    if widget_hint == "unit" and unit_choices is not None:
        made = forms.ChoiceField(
            choices=[("", _("Chọn xã, phường"))] + list(unit_choices()), widget=forms.Select(attrs=auto),
            error_messages={"required": _("Chọn “%(title)s”.") % {"title": title},
                            "invalid_choice": _("Chọn một xã, phường trong danh sách.")}, **common)
        return made
    if widget_hint == "textarea":
        widget = forms.Textarea(attrs={"rows": 4, **auto})
    elif widget_hint == "id_number":
        widget = sized(forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false", **auto}),
                       "govuk-input--width-20")
    elif autocomplete == "tel":
        widget = sized(TelInput(attrs=auto), "govuk-input--width-20")
    else:
        widget = forms.TextInput(attrs=auto)
    return forms.CharField(widget=widget, error_messages=missing, **common)


def schema_order(schema: dict, ui: dict) -> list[str]:
    """Property names in display order: `form_ui.order` first, then the schema's own order."""
    properties = (schema or {}).get("properties") or {}
    ui = ui if isinstance(ui, dict) else {}
    order = [n for n in ui.get("order") or [] if n in properties]
    return order + [n for n in properties if n not in order]


def schema_questions(schema: dict, ui: dict, *, names: Iterable[str] | None = None, autocomplete: bool = False,
                     unit_choices: UnitChoices | None = None
                     ) -> tuple[list[tuple[str, forms.Field]], list[str]]:
    """The questions of a procedure's form in display order (form_ui.order first), as
    (property name, field); and the titles of the questions a page cannot ask.

    `names` limits the questions to those properties (one page of the portal). `autocomplete`
    adds the `autocomplete` token of each property's fact (the citizen's own browser may fill it;
    the counter leaves it off: the officer types for someone else)."""
    properties = (schema or {}).get("properties") or {}
    required = set((schema or {}).get("required") or [])
    hints = (ui if isinstance(ui, dict) else {}).get("fields") or {}
    wanted = set(names) if names is not None else None
    questions, unsupported = [], []
    for name in schema_order(schema, ui):
        if wanted is not None and name not in wanted:
            continue
        prop = properties[name] if isinstance(properties[name], dict) else {}
        title = str(prop.get("title") or name)
        token = FACT_AUTOCOMPLETE.get(schema_fact(prop), "") if autocomplete else ""
        made = _schema_field(prop, title=title, required=name in required, ui=hints.get(name) or {},
                             autocomplete=token, unit_choices=unit_choices)
        if made is None:
            unsupported.append(title)
        else:
            questions.append((name, made))
    return questions, unsupported


def schema_defaults(schema: dict) -> dict[str, Any]:
    """The properties' `default` values ({name: value}): the answer shown before any is given."""
    properties = (schema or {}).get("properties") or {}
    return {name: prop["default"] for name, prop in properties.items() if isinstance(prop, dict) and "default" in prop}


def json_value(made: forms.Field, value: Any) -> Any:
    """A cleaned answer as the JSON value the schema describes."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    values = getattr(made, "schema_values", None)
    return values.get(value, value) if values else value


def answers_from(fields: dict[str, tuple[str, forms.Field]], cleaned: dict[str, Any]) -> dict[str, Any]:
    """The answers of a cleaned form as JSON: {property: value}, empty answers left out.
    `fields` maps the form's field name to (property name, field)."""
    out: dict[str, Any] = {}
    for field_name, (name, made) in fields.items():
        value = cleaned.get(field_name)
        if isinstance(made, forms.BooleanField):
            out[name] = bool(value)
        elif value not in (None, ""):
            out[name] = json_value(made, value)
    return out


@dataclass(frozen=True)
class FormPage:
    """One page of the portal's form: a section's questions (or one question of it)."""

    index: int
    title: str
    names: tuple[str, ...]
    section: int


def form_pages(schema: dict, ui: dict) -> list[FormPage]:
    """The pages the portal asks a procedure's form on: one per `x-sections` entry (one per
    question when the section says `one_per_page`), questions that no section lists on a last page
    "Thông tin khác"; without sections, the whole form on one page. Questions that cannot be asked
    (objects, arrays) are left out; a form without askable questions has no page."""
    askable = [name for name, _f in schema_questions(schema, ui)[0]]
    if not askable:
        return []
    sections = (schema or {}).get(SECTIONS_KEYWORD)
    pages: list[FormPage] = []
    placed: set[str] = set()
    if isinstance(sections, list):
        for s_index, section in enumerate(sections):
            if not isinstance(section, dict):
                continue
            names = [n for n in section.get("fields") or [] if n in askable and n not in placed]
            if not names:
                continue
            placed.update(names)
            title = str(section.get("title") or _("Tờ khai"))
            groups = [[n] for n in names] if section.get("one_per_page") else [names]
            for group in groups:
                pages.append(FormPage(index=len(pages), title=title, names=tuple(group), section=s_index))
    rest = [n for n in askable if n not in placed]
    if rest:
        title = _("Thông tin khác") if pages else _("Tờ khai")
        own = len(sections) if isinstance(sections, list) else 0  # a section number no entry has
        pages.append(FormPage(index=len(pages), title=title, names=tuple(rest), section=own))
    return pages
