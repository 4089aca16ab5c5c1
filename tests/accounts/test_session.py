"""A session ends after TINHSO_IDLE_TIMEOUT seconds without a request."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from tinhso.accounts.middleware import IdleSessionTimeoutMiddleware
from tinhso.core.models import AuditEntry

from .factories import citizen

pytestmark = pytest.mark.django_db


def _idle_for(client, seconds: int) -> None:
    session = client.session
    session[IdleSessionTimeoutMiddleware.key] = int(time.time()) - seconds
    session.save()


def test_a_session_idle_longer_than_the_timeout_is_logged_out(client, settings):
    user = citizen()
    client.force_login(user)
    assert client.get(reverse("web:home")).status_code == 200
    _idle_for(client, settings.TINHSO_IDLE_TIMEOUT + 1)
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and response.url == reverse("account_login") + "?het_phien=1"
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="logout")
    assert (entry.actor_id, entry.data) == (user.pk, {"username": user.username, "reason": "idle"})
    assert "Phiên làm việc đã kết thúc" in client.get(response.url).content.decode()


def test_activity_within_the_timeout_keeps_the_session(client, settings):
    client.force_login(citizen())
    client.get(reverse("web:home"))
    _idle_for(client, settings.TINHSO_IDLE_TIMEOUT - 5)
    assert client.get(reverse("web:home")).status_code == 200
    assert "_auth_user_id" in client.session
    assert client.session[IdleSessionTimeoutMiddleware.key] >= int(time.time()) - 1


def test_an_expired_session_gets_the_api_error_not_a_redirect(client, settings):
    client.force_login(citizen())
    client.get("/api/v1/me")
    _idle_for(client, settings.TINHSO_IDLE_TIMEOUT + 1)
    response = client.get("/api/v1/me")
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"
