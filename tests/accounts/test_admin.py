"""The IT team's admin site: role changes go through the services (checked, audited)."""

from __future__ import annotations

import io

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from django.urls import reverse

from tinhso.accounts.models import AgencyRole, ApiToken, Role, User
from tinhso.core.models import AuditEntry

from .factories import UserFactory, official_with_role
from .totp import activate_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def it_admin(client):
    user = User.objects.create_superuser("it.admin", password="Mat-khau-rat-dai-2025")
    activate_totp(user)
    client.force_login(user)
    return user


def test_createsuperuser_makes_an_official():
    assert User.objects.create_superuser("it.khac", password="Mat-khau-rat-dai-2025").is_official


def test_the_it_team_gives_a_role_in_the_admin_and_it_is_audited(client, it_admin, agency):
    clerk = UserFactory()
    response = client.post(reverse("admin:accounts_agencyrole_add"),
                           {"user": clerk.pk, "agency": agency.pk, "role": Role.RESULT_CLERK})
    assert response.status_code == 302
    assert AgencyRole.objects.filter(user=clerk, agency=agency, role=Role.RESULT_CLERK).exists()
    assert AuditEntry.objects.get(action="role.granted").actor_id == it_admin.pk


def test_the_user_admin_pages_open(client, it_admin):
    assert client.get(reverse("admin:accounts_user_add")).status_code == 200
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200


def test_resetting_a_lost_phone_is_audited(client, it_admin, agency):
    official = official_with_role(Role.LEADER, agency)
    activate_totp(official)
    authenticator = Authenticator.objects.get(user=official)
    url = reverse("admin:mfa_authenticator_delete", args=[authenticator.pk])
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302 and not Authenticator.objects.filter(user=official).exists()
    entry = AuditEntry.objects.get(action="mfa.authenticator_removed")
    assert (entry.actor_id, entry.data["via"]) == (it_admin.pk, "admin")


def test_the_api_token_command_prints_the_token_once(agency):
    official_with_role(Role.SPECIALIST, agency, username="he-thong.thue")
    out = io.StringIO()
    call_command("api_token_issue", "--agency", agency.code, "--user", "he-thong.thue", "--name", "Cục Thuế",
                 stdout=out)
    token = out.getvalue().strip()
    assert token.startswith("tinhso_") and ApiToken.objects.get().expires_at is not None
    assert token not in str(list(AuditEntry.objects.values_list("data", flat=True)))
