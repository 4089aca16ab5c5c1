"""Officials must use a second factor (TOTP): without one they can only set it up; with one they
are asked for the code at every login; wrong codes count towards the lockout."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tinhso.accounts.models import Role
from tinhso.core.models import AuditEntry

from .factories import PASSWORD, citizen, official_with_role
from .totp import activate_totp, totp_code, wait_for_fresh_totp_window

pytestmark = pytest.mark.django_db


def _login(client, username, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": username, "password": password})


def _code(client, code):
    return client.post(reverse("mfa_authenticate"), {"code": code})


def _reauthenticate(client, password=PASSWORD):
    """allauth asks for the password again before any change to the second factor."""
    return client.post(reverse("account_reauthenticate"), {"password": password})


def test_an_official_without_totp_is_sent_to_set_it_up(client, agency):
    official_with_role(Role.SPECIALIST, agency, username="chuyenvien.a")
    assert _login(client, "chuyenvien.a").status_code == 302
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked.status_code == 302 and asked.url.startswith(reverse("account_reauthenticate"))
    assert "Xác nhận mật khẩu" in client.get(asked.url).content.decode()
    assert _reauthenticate(client).status_code == 302
    page = client.get(reverse("mfa_activate_totp"))
    html = page.content.decode()
    main = html[html.index("<main"):html.index("</main>")]
    assert page.status_code == 200 and "Bật xác thực hai lớp" in main
    assert 'src="data:image/svg+xml;base64,' in main  # the QR code: no inline script or style (CSP)
    assert "<script" not in main and "style=" not in main


def test_an_official_without_totp_gets_nothing_from_the_api(client, agency):
    client.force_login(official_with_role(Role.SPECIALIST, agency))
    response = client.get("/api/v1/me")
    assert response.status_code == 403 and response.json()["code"] == "mfa_required"


def test_citizens_are_not_asked_for_a_second_factor(client):
    client.force_login(citizen())
    assert client.get(reverse("web:home")).status_code == 200


def test_the_official_activates_totp_with_a_code_from_the_phone(
        client, agency, django_capture_on_commit_callbacks):
    official = official_with_role(Role.SPECIALIST, agency, username="chuyenvien.b")
    _login(client, "chuyenvien.b")
    _reauthenticate(client)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]  # what the QR code carries
    not_the_code = "000000" if totp_code(secret) != "000000" else "111111"
    wrong = client.post(reverse("mfa_activate_totp"), {"code": not_the_code})
    assert wrong.status_code == 200 and "Mã xác thực không đúng" in wrong.content.decode()
    wait_for_fresh_totp_window()
    with django_capture_on_commit_callbacks(execute=True):  # allauth signals after the commit
        response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})
    assert response.status_code == 302 and response.url == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=official, type=Authenticator.Type.TOTP).exists()
    assert "Mã khôi phục" in client.get(response.url).content.decode()
    assert client.get(reverse("web:home")).status_code == 200
    assert AuditEntry.objects.filter(action="mfa.authenticator_added", actor_id=official.pk).exists()


def test_an_official_with_totp_must_enter_a_valid_code_at_login(client, agency):
    official = official_with_role(Role.LEADER, agency, username="lanhdao.c")
    secret = activate_totp(official)
    response = _login(client, "lanhdao.c")
    assert response.status_code == 302 and response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session  # not logged in before the code
    html = _code(client, "12345").content.decode()
    assert "Mã xác thực không đúng" in html and "govuk-error-summary" in html
    failed = AuditEntry.objects.get(action="login.failed")
    assert failed.data == {"username": "lanhdao.c", "second_factor": "totp"}
    wait_for_fresh_totp_window()
    assert _code(client, totp_code(secret)).status_code == 302
    assert client.session["_auth_user_id"] == str(official.pk)
    assert AuditEntry.objects.filter(action="login.succeeded", actor_id=official.pk).count() == 1


def test_guessing_codes_locks_the_account_like_guessing_passwords(client, agency):
    official = official_with_role(Role.LEADER, agency, username="lanhdao.d")
    secret = activate_totp(official)
    _login(client, "lanhdao.d")
    wait_for_fresh_totp_window(margin=8)
    right = totp_code(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    statuses = [_code(client, wrong).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert AuditEntry.objects.filter(action="login.locked_out").count() == 1
    # The waiting login was dropped: the right code no longer finishes it, nor does the password.
    _code(client, right)
    assert "_auth_user_id" not in client.session
    assert _login(client, "lanhdao.d").status_code == 429


def test_an_official_cannot_switch_the_second_factor_off(client, agency):
    official = official_with_role(Role.LEADER, agency, username="lanhdao.e")
    secret = activate_totp(official)
    _login(client, "lanhdao.e")
    wait_for_fresh_totp_window()
    _code(client, totp_code(secret))
    _reauthenticate(client)
    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 200
    assert "bắt buộc dùng xác thực hai lớp" in response.content.decode()
    assert Authenticator.objects.filter(user=official, type=Authenticator.Type.TOTP).exists()


def test_totp_secrets_are_encrypted_in_the_database(agency):
    official = official_with_role(Role.LEADER, agency)
    secret = activate_totp(official)
    stored = Authenticator.objects.get(user=official).data["secret"]
    assert secret not in stored and stored.startswith("enc1:")


def test_a_citizen_may_add_a_second_factor_manage_recovery_codes_and_switch_it_off(
        client, django_capture_on_commit_callbacks):
    user = citizen()
    secret = activate_totp(user)
    _login(client, "086085000123")
    wait_for_fresh_totp_window()
    _code(client, totp_code(secret))
    _reauthenticate(client)
    index = client.get(reverse("mfa_index")).content.decode()
    assert "Đang bật" in index and reverse("mfa_deactivate_totp") in index
    assert "Tạo bộ mã khôi phục mới" in client.get(reverse("mfa_generate_recovery_codes")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        generated = client.post(reverse("mfa_generate_recovery_codes"))
    codes = client.get(generated.url).content.decode()
    assert "Mã khôi phục" in codes and codes.count("<li><code>") == 10
    assert "Đổi mật khẩu" in client.get(reverse("account_change_password")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert AuditEntry.objects.filter(action="mfa.authenticator_removed", actor_id=user.pk).exists()
