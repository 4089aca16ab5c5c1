from __future__ import annotations

import hashlib

from django.utils import timezone
from ninja.security import HttpBearer


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class BearerTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` for the province's other systems."""

    def authenticate(self, request, token: str):
        from tinhso.accounts.models import ApiToken

        api_token = (
            ApiToken.objects.select_related("user", "agency")
            .filter(token_sha256=token_digest(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user
