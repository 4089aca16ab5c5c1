"""GET /api/v1/me: who is calling, with which roles in which agencies. Browsers use their session,
the province's other systems a bearer token (revocable, optionally expiring)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tinhso.accounts.models import ApiToken, Role
from tinhso.accounts.services import api_token_issue, api_token_revoke

from .factories import citizen, official_with_role

pytestmark = pytest.mark.django_db


def _bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def issued(agency):
    admin = official_with_role(Role.AGENCY_ADMIN, agency)
    system = official_with_role(Role.RECEIVING_OFFICER, agency, username="he-thong.buudien",
                                full_name="Bưu điện")
    return api_token_issue(actor=admin, agency=agency, user=system, name="Hệ thống bưu chính")


def test_a_system_calls_me_with_its_bearer_token(client, issued, agency):
    response = client.get("/api/v1/me", **_bearer(issued.token))
    assert response.status_code == 200
    assert response.json() == {
        "username": "he-thong.buudien", "kind": "official", "full_name": "Bưu điện", "second_factor": False,
        "authenticated_by": "token",
        "roles": [{"agency": {"code": agency.code, "name": agency.name},
                   "roles": [{"role": "receiving_officer", "label": "Cán bộ tiếp nhận (một cửa)"}]}],
    }
    assert ApiToken.objects.get().last_used_at is not None


def test_a_revoked_token_is_refused_in_the_api_error_shape(client, issued):
    api_token_revoke(actor=None, api_token=issued.api_token)
    response = client.get("/api/v1/me", **_bearer(issued.token))
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"code", "message", "details"} and body["code"] == "unauthenticated"


def test_an_expired_token_is_refused(client, issued):
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/me", **_bearer(issued.token)).status_code == 401


def test_a_made_up_token_is_refused(client, issued):
    assert client.get("/api/v1/me", **_bearer(issued.token + "x")).status_code == 401
    assert client.get("/api/v1/me").status_code == 401


def test_a_citizen_calls_me_with_the_browser_session(client):
    client.force_login(citizen())
    body = client.get("/api/v1/me").json()
    assert (body["kind"], body["username"], body["authenticated_by"], body["roles"]) == (
        "citizen", "086085000123", "session", [])
