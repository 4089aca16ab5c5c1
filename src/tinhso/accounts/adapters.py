"""How django-allauth and django-axes behave here: sign-up closed, Vietnamese messages, the lockout
keyed on the login as typed, second factor compulsory for officials, TOTP secrets encrypted."""

from __future__ import annotations

import base64

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


def login_normalize(value: str | None) -> str:
    """The login as the lockout counts it: no spaces (people type "086 090 000 123"), lower case
    (the username lookup is case-insensitive, so "ABC" and "abc" are the same account)."""
    return "".join((value or "").split()).lower()


def axes_username(request, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: allauth passes `username`, Django's admin passes `username`, a
    posted allauth form carries `login`. Count them all as the same account."""
    source = credentials if credentials else getattr(request, "POST", None) or {}
    value = source.get("login") or source.get("username")
    return login_normalize(value) or None


class AccountAdapter(DefaultAccountAdapter):
    """Open sign-up is closed: citizens arrive through VNeID or are registered at the counter;
    officials are created by their agency admin."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "account_inactive": _("Tài khoản này đang bị khóa. Hãy liên hệ cơ quan quản lý tài khoản."),
        "username_password_mismatch": _("Tên đăng nhập hoặc mật khẩu không đúng."),
        "invalid_login": _("Thông tin đăng nhập không hợp lệ."),
        "incorrect_password": _("Mật khẩu không đúng."),
        "enter_current_password": _("Nhập mật khẩu hiện tại."),
        "incorrect_code": _("Mã xác thực không đúng."),
        "too_many_login_attempts": _("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau."),
        "rate_limited": _("Bạn thao tác quá nhanh. Vui lòng đợi một lát rồi thử lại."),
        "same_as_current": _("Giá trị mới phải khác giá trị hiện tại."),
    }

    def is_open_for_signup(self, request):
        return False

    def authenticate(self, request, **credentials):
        # Usernames never contain spaces; people copy ids written in groups. django-axes counts
        # failures by the `login` credential (AXES_USERNAME_FORM_FIELD), as its allauth guide says.
        username = credentials.get("username")
        if username:
            credentials["username"] = "".join(username.split())
            credentials.setdefault("login", login_normalize(username))
        return super().authenticate(request, **credentials)


_ENCRYPTED = "enc1:"


def _fernet():
    from cryptography.fernet import Fernet, MultiFernet

    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    def derive(key: str) -> bytes:
        digest = salted_hmac("tinhso.accounts.mfa", "authenticator-secret", secret=key, algorithm="sha256")
        return base64.urlsafe_b64encode(digest.digest())

    return MultiFernet([Fernet(derive(key)) for key in keys])


class MfaAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "cannot_delete_authenticator": _(
            "Cán bộ, công chức bắt buộc dùng xác thực hai lớp, không thể tắt. Khi mất điện thoại, hãy nhờ "
            "quản trị cơ quan đặt lại."),
        "cannot_generate_recovery_codes": _("Cần bật ứng dụng xác thực trước khi tạo mã khôi phục."),
        "incorrect_code": _("Mã xác thực không đúng hoặc đã hết hạn. Hãy nhập mã đang hiện trên ứng dụng."),
    }

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Officials handle citizens' personal data: their second factor is not optional.
        return not getattr(authenticator.user, "is_official", False)

    def get_totp_label(self, user) -> str:
        return user.get_username()

    # A copy of the database (a backup, a leaked dump) must not be enough to generate codes: the
    # secrets are encrypted with a key derived from SECRET_KEY (rotate it through SECRET_KEY_FALLBACKS).
    def encrypt(self, text: str) -> str:
        return _ENCRYPTED + _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(_ENCRYPTED):
            return encrypted_text  # stored before encryption was switched on
        return _fernet().decrypt(encrypted_text[len(_ENCRYPTED):].encode()).decode()
