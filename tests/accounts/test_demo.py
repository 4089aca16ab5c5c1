"""Demo accounts: one public password, so only when TINHSO_DEMO is set; idempotent; each official
has a TOTP authenticator whose current code `demo_totp` prints."""

from __future__ import annotations

import io

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tinhso.accounts.demo import DEMO_PASSWORD, DemoNotAllowed, demo_accounts_create
from tinhso.accounts.models import AgencyRole, Role, User, UserKind
from tinhso.accounts.selectors import user_has_role, user_is_province_admin
from tinhso.accounts.validators import personal_id_parse, tax_code_parse
from tinhso.core.models import AgencyKind

from .factories import AgencyFactory, commune_unit, province_unit
from .totp import totp_code, wait_for_fresh_totp_window

pytestmark = pytest.mark.django_db


@pytest.fixture
def province_agencies():
    province = province_unit("86")
    return {
        "tinh": AgencyFactory(kind=AgencyKind.PROVINCE_PEOPLES_COMMITTEE, unit=province, name="UBND tỉnh"),
        "ttpvhcc": AgencyFactory(kind=AgencyKind.PROVINCE_SERVICE_CENTRE, unit=province, name="TTPVHCC tỉnh"),
        "so": AgencyFactory(kind=AgencyKind.DEPARTMENT, unit=province, name="Sở Tư pháp"),
        "xa": AgencyFactory(kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE, unit=commune_unit(province),
                            name="UBND xã Thử Nghiệm"),
    }


@pytest.fixture
def demo_env(monkeypatch):
    monkeypatch.setenv("TINHSO_DEMO", "1")


def test_demo_accounts_are_refused_outside_the_demo(monkeypatch, province_agencies):
    monkeypatch.delenv("TINHSO_DEMO", raising=False)
    with pytest.raises(DemoNotAllowed):
        demo_accounts_create(province_code="86")
    assert not User.objects.exists()


def test_the_demo_has_citizens_a_business_and_the_staff_of_three_agencies(demo_env, province_agencies):
    accounts = demo_accounts_create(province_code="86")
    users = {account.username: User.objects.get(username=account.username) for account in accounts}
    citizens = [u for u in users.values() if u.kind == UserKind.CITIZEN]
    assert citizens and all(personal_id_parse(u.personal_id).birth_province_code == "086" for u in citizens)
    businesses = [u for u in users.values() if u.kind == UserKind.BUSINESS]
    assert [tax_code_parse(u.tax_code).kind for u in businesses] == ["organisation"]
    for prefix in ("ttpvhcc", "so", "xa"):
        agency = province_agencies[prefix]
        for suffix, role in [("tiepnhan", Role.RECEIVING_OFFICER), ("chuyenvien", Role.SPECIALIST),
                             ("lanhdao", Role.LEADER), ("trakq", Role.RESULT_CLERK),
                             ("quantri", Role.AGENCY_ADMIN)]:
            assert user_has_role(users[f"{prefix}.{suffix}"], agency=agency, roles=[role])
    assert user_is_province_admin(users["tinh.quantri"])
    officials = [a for a in accounts if a.kind == UserKind.OFFICIAL]
    assert len(officials) == 16 and all(a.totp_secret for a in officials)
    assert all(u.check_password(DEMO_PASSWORD) for u in users.values())


def test_running_the_demo_twice_changes_nothing(demo_env, province_agencies):
    first = demo_accounts_create(province_code="86")
    counts = (User.objects.count(), AgencyRole.objects.count(), Authenticator.objects.count())
    second = demo_accounts_create(province_code="86")
    assert (User.objects.count(), AgencyRole.objects.count(), Authenticator.objects.count()) == counts
    assert first == second


def test_demo_totp_prints_the_code_the_phone_would_show(demo_env, province_agencies):
    secret = {a.username: a.totp_secret for a in demo_accounts_create(province_code="86")}["so.lanhdao"]
    wait_for_fresh_totp_window()
    out = io.StringIO()
    call_command("demo_totp", "so.lanhdao", stdout=out)
    assert out.getvalue().strip() == totp_code(secret)


def test_demo_totp_is_refused_outside_the_demo(monkeypatch, settings, demo_env, province_agencies):
    demo_accounts_create(province_code="86")
    monkeypatch.delenv("TINHSO_DEMO")
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_totp", "so.lanhdao", stdout=io.StringIO())


def test_a_demo_official_logs_in_with_the_demo_password_and_demo_totp(client, demo_env, province_agencies):
    demo_accounts_create(province_code="86")
    client.post(reverse("account_login"), {"login": "ttpvhcc.tiepnhan", "password": DEMO_PASSWORD})
    wait_for_fresh_totp_window()
    out = io.StringIO()
    call_command("demo_totp", "ttpvhcc.tiepnhan", stdout=out)
    assert client.post(reverse("mfa_authenticate"), {"code": out.getvalue().strip()}).status_code == 302
    assert client.get(reverse("web:home")).status_code == 200


def test_the_demo_command_prints_usernames_and_totp_secrets(demo_env, province_agencies):
    out = io.StringIO()
    call_command("demo_accounts", "--province", "86", stdout=out)
    printed = out.getvalue()
    assert DEMO_PASSWORD in printed and "ttpvhcc.tiepnhan" in printed and "TOTP:" in printed
