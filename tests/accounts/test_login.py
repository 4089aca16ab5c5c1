"""Logging in with a username and password: citizens with their personal id, businesses with their
tax code. Wrong input gets a clear Vietnamese message; five failures lock the account on that
device for a while; every success, failure and lockout is in the audit log."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.urls import reverse

from tinhso.core.models import AuditEntry

from .factories import PASSWORD, citizen

pytestmark = pytest.mark.django_db

WRONG = "sai-mat-khau-roi"


def _login(client, login, password):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def test_a_citizen_logs_in_with_the_personal_id(client):
    user = citizen()
    response = _login(client, "086085000123", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("web:home")
    assert client.session["_auth_user_id"] == str(user.pk)
    entry = AuditEntry.objects.get(action="login.succeeded")
    assert (entry.actor_id, entry.data) == (user.pk, {"username": "086085000123"})
    assert entry.ip == "127.0.0.1"


def test_the_personal_id_may_be_typed_in_groups(client):
    citizen()
    assert _login(client, "086 085 000 123", PASSWORD).status_code == 302


def test_the_login_page_is_in_vietnamese(client):
    html = client.get(reverse("account_login")).content.decode()
    assert "Đăng nhập" in html and "Tên đăng nhập" in html and "số định danh cá nhân" in html
    assert 'autocomplete="current-password"' in html


def test_a_wrong_password_shows_the_error_keeps_the_username_and_not_the_password(client):
    citizen()
    response = _login(client, "086085000123", WRONG)
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html and "Có lỗi cần sửa" in html
    assert html.count("Tên đăng nhập hoặc mật khẩu không đúng.") == 2  # summary and inline
    assert 'href="#id_password"' in html and "govuk-form-group--error" in html
    assert 'value="086085000123"' in html
    assert WRONG not in html
    assert "<title>Lỗi: Đăng nhập" in html
    entry = AuditEntry.objects.get(action="login.failed")
    assert entry.data == {"username": "086085000123"} and entry.actor_id is None


def test_an_empty_form_says_what_to_type(client):
    html = _login(client, "", "").content.decode()
    assert "Nhập tên đăng nhập" in html and "Nhập mật khẩu" in html


def test_five_failures_lock_the_account_on_that_device_and_it_is_audited(client):
    citizen()
    for _ in range(4):
        assert _login(client, "086085000123", WRONG).status_code == 200
    locked = _login(client, "086085000123", WRONG)
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Tạm khóa đăng nhập" in html and "5 lần" in html and "thử lại sau 15 phút" in html
    # Even the right password is refused while locked, without checking it.
    assert _login(client, "086085000123", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="login.failed").count() == 6
    assert AuditEntry.objects.filter(action="login.locked_out").count() == 2
    assert not AuditEntry.objects.filter(action="login.succeeded").exists()
    for entry in AuditEntry.objects.filter(action__startswith="login."):
        assert set(entry.data) == {"username"} and entry.data["username"] == "086085000123"
    assert AccessAttempt.objects.get().username == "086085000123"


def test_the_lockout_counts_the_same_login_however_it_is_typed(client):
    citizen()
    for login in ["086085000123", "086 085 000 123", " 086085000123", "086  085000123"]:
        _login(client, login, WRONG)
    assert _login(client, "086085000123", WRONG).status_code == 429


def test_another_account_from_the_same_device_is_not_locked(client):
    citizen()
    citizen(personal_id="001301000456")
    for _ in range(5):
        _login(client, "086085000123", WRONG)
    assert _login(client, "001301000456", PASSWORD).status_code == 302


def test_a_successful_login_resets_the_failure_count(client):
    citizen()
    for _ in range(4):
        _login(client, "086085000123", WRONG)
    assert _login(client, "086085000123", PASSWORD).status_code == 302
    client.logout()
    assert _login(client, "086085000123", WRONG).status_code == 200


def test_logout_asks_for_confirmation_and_is_audited(client):
    user = citizen()
    client.force_login(user)
    html = client.get(reverse("account_logout")).content.decode()
    assert "Bạn có chắc muốn đăng xuất" in html
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.get(action="logout").data == {"username": "086085000123", "reason": "user"}


def test_open_sign_up_is_closed(client):
    html = client.get(reverse("account_signup")).content.decode()
    assert "Không tự đăng ký tài khoản" in html


PRODUCTION_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]


def test_passwords_are_stored_with_argon2_in_production(client):
    with override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS):
        user = citizen()
        user.refresh_from_db()
        assert user.password.startswith("argon2$argon2id$")
        assert _login(client, "086085000123", PASSWORD).status_code == 302
