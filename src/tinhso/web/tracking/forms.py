"""Forms of the tracking, rating and feedback pages, drawn the GOV.UK way (web.backoffice.forms).

They check what a person can fix on the page; the services (dossiers.feedback) check everything
again and their field-level refusals are put back on the same fields.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tinhso.dossiers.feedback import COMMENT_MAX, RATING_CRITERIA, TEXT_MAX, TITLE_MAX
from tinhso.dossiers.models import FeedbackKind
from tinhso.web.backoffice.forms import GovukForm

#: The last option of every criterion: radios cannot be unticked without JavaScript, so "no
#: answer" is an option of its own (not stored).
NO_ANSWER = "khong_y_kien"
CRITERION_PREFIX = "tc_"


class LookupForm(GovukForm):
    ma = forms.CharField(
        label=_("Mã hồ sơ"), max_length=60,
        help_text=_("In trên giấy tiếp nhận hồ sơ và hẹn trả kết quả, ví dụ 000.91.60.H86-261123-0001."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
        error_messages={"required": _("Nhập mã hồ sơ.")})


class RatingForm(GovukForm):
    satisfied = forms.ChoiceField(
        label=_("Bạn có hài lòng với việc giải quyết hồ sơ này không?"),
        choices=[("co", _("Hài lòng")), ("khong", _("Không hài lòng"))], widget=forms.RadioSelect,
        error_messages={"required": _("Chọn Hài lòng hoặc Không hài lòng."),
                        "invalid_choice": _("Chọn Hài lòng hoặc Không hài lòng.")})
    comment = forms.CharField(
        label=_("Ý kiến khác (không bắt buộc)"), required=False, max_length=COMMENT_MAX,
        help_text=_("Không ghi số định danh, số điện thoại hay thông tin cá nhân khác."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("Ý kiến không quá %(limit_value)d ký tự.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for criterion in RATING_CRITERIA:
            self.fields[CRITERION_PREFIX + criterion.code] = forms.ChoiceField(
                label=criterion.question, required=False, widget=forms.RadioSelect,
                choices=[*criterion.options, (NO_ANSWER, _("Không có ý kiến"))],
                error_messages={"invalid_choice": _("Chọn một trong các mức đánh giá đã cho.")})
        # The comment goes after the criteria.
        self.order_fields(["satisfied", *[CRITERION_PREFIX + c.code for c in RATING_CRITERIA], "comment"])

    def criteria_names(self) -> list[str]:
        return [CRITERION_PREFIX + c.code for c in RATING_CRITERIA]

    def criteria(self) -> dict[str, str]:
        return {name[len(CRITERION_PREFIX):]: value for name in self.criteria_names()
                if (value := self.cleaned_data.get(name)) and value != NO_ANSWER}

    @staticmethod
    def initial_from(rating) -> dict[str, str]:
        if rating is None:
            return {}
        initial = {"satisfied": "co" if rating.satisfied else "khong", "comment": rating.comment}
        initial.update({CRITERION_PREFIX + code: value for code, value in (rating.criteria or {}).items()})
        return initial

    @staticmethod
    def field_of(service_field: str) -> str | None:
        if service_field.startswith("criteria."):
            return CRITERION_PREFIX + service_field.split(".", 1)[1]
        return {"comment": "comment", "satisfied": "satisfied"}.get(service_field)


class FeedbackForm(GovukForm):
    kind = forms.ChoiceField(
        label=_("Bạn phản ánh, kiến nghị về việc gì?"), choices=FeedbackKind.choices, widget=forms.RadioSelect,
        error_messages={"required": _("Chọn nội dung phản ánh về việc gì."),
                        "invalid_choice": _("Chọn nội dung phản ánh về việc gì.")})
    dossier = forms.CharField(
        label=_("Mã hồ sơ liên quan"), required=False, max_length=60,
        help_text=_("Bắt buộc khi phản ánh về việc tiếp nhận, giải quyết hoặc hồ sơ trễ hẹn. Chỉ hồ sơ do bạn nộp."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}))
    agency = forms.ChoiceField(
        label=_("Cơ quan nhận phản ánh"), required=False,
        help_text=_("Khi có mã hồ sơ, phản ánh được gửi đến cơ quan giải quyết hồ sơ đó. Nếu không rõ cơ quan, "
                    "phản ánh được gửi Ủy ban nhân dân tỉnh để chuyển đến nơi có thẩm quyền."),
        error_messages={"invalid_choice": _("Chọn một cơ quan trong danh sách.")})
    title = forms.CharField(label=_("Tiêu đề"), max_length=TITLE_MAX,
                            error_messages={"required": _("Nhập tiêu đề phản ánh."),
                                            "max_length": _("Tiêu đề không quá %(limit_value)d ký tự.")})
    content = forms.CharField(label=_("Nội dung"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 6}),
                              help_text=_("Nêu rõ sự việc, thời gian, nơi xảy ra và kiến nghị của bạn."),
                              error_messages={"required": _("Nhập nội dung phản ánh."),
                                              "max_length": _("Nội dung không quá %(limit_value)d ký tự.")})
    key = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", _("Không rõ cơ quan"))] + [(a.code, a.name) for a in agencies]

    @staticmethod
    def field_of(service_field: str) -> str | None:
        return {"kind": "kind", "dossier": "dossier", "agency": "agency", "title": "title",
                "content": "content"}.get(service_field)


class ReactionForm(GovukForm):
    satisfied = forms.ChoiceField(
        label=_("Bạn có hài lòng với kết quả xử lý phản ánh này không?"),
        choices=[("co", _("Hài lòng")), ("khong", _("Không hài lòng"))], widget=forms.RadioSelect,
        error_messages={"required": _("Chọn Hài lòng hoặc Không hài lòng."),
                        "invalid_choice": _("Chọn Hài lòng hoặc Không hài lòng.")})


# --- Back office -----------------------------------------------------------------------------------

class AnswerForm(GovukForm):
    answer = forms.CharField(label=_("Nội dung trả lời"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 6}),
                             error_messages={"required": _("Nhập nội dung trả lời.")})
    publish = forms.BooleanField(label=_("Công khai câu trả lời trên cổng"), required=False,
                                 help_text=_("Nội dung trả lời được đăng công khai, không kèm thông tin người gửi."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "tra_loi")
        super().__init__(*args, **kwargs)


class RefuseForm(GovukForm):
    reason = forms.CharField(label=_("Lý do không thụ lý"), max_length=TEXT_MAX,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Ví dụ: không thuộc thẩm quyền, nội dung không rõ. Lý do được gửi cho người phản ánh."),
                             error_messages={"required": _("Nhập lý do không thụ lý.")})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "tu_choi")
        super().__init__(*args, **kwargs)


class TransferForm(GovukForm):
    to_agency = forms.ChoiceField(label=_("Chuyển đến cơ quan"),
                                  error_messages={"required": _("Chọn cơ quan nhận."),
                                                  "invalid_choice": _("Chọn một cơ quan trong danh sách.")})
    note = forms.CharField(label=_("Lý do chuyển"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("Nhập lý do chuyển.")})

    def __init__(self, *args, agencies=(), **kwargs):
        kwargs.setdefault("prefix", "chuyen")
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].choices = [("", _("Chọn cơ quan"))] + [(a.code, a.name) for a in agencies]
