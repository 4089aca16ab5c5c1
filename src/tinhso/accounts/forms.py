"""The login form in plain Vietnamese (ACCOUNT_FORMS["login"])."""

from __future__ import annotations

from allauth.account.forms import LoginForm as AllauthLoginForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AllauthLoginForm):
    """allauth's login form; labels and "field required" messages say what to type."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Tên đăng nhập")
        login.help_text = _("Công dân: số định danh cá nhân (12 chữ số trên thẻ căn cước). Doanh nghiệp: "
                            "mã số thuế. Cán bộ: tên đăng nhập do cơ quan cấp.")
        login.error_messages["required"] = _("Nhập tên đăng nhập")
        login.widget.attrs.update({"autocomplete": "username", "spellcheck": "false",
                                   "autocapitalize": "none", "placeholder": ""})
        if "password" in self.fields:
            password = self.fields["password"]
            password.label = _("Mật khẩu")
            password.help_text = ""
            password.error_messages["required"] = _("Nhập mật khẩu")
