from __future__ import annotations

import datetime as dt
import hashlib

from django.db.models import Q
from django.utils import timezone
from ninja.security import HttpBearer

# Writing last_used_at on every call would turn each read into a write; once a minute is enough.
_LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` for the province's other systems. A token works while it is
    neither revoked nor expired and its account is active; it acts with that account's roles."""

    def authenticate(self, request, token: str):
        from tinhso.accounts.models import ApiToken

        now = timezone.now()
        api_token = (
            ApiToken.objects.select_related("user", "agency")
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now),
                    token_sha256=token_digest(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        if api_token.last_used_at is None or now - api_token.last_used_at > _LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


def caller_auth() -> list:
    """Authentication for endpoints that need a caller: a system's bearer token, else a browser
    session. The token comes first: django-ninja stops at the first method that refuses, and the
    session method refuses a POST without a CSRF token — which a token caller never has (a bearer
    token is not an ambient credential, so it needs no CSRF protection)."""
    from ninja.security import SessionAuth

    return [BearerTokenAuth(), SessionAuth()]
