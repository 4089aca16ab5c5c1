"""Session rules for officials and everyone: idle expiry, and a second factor for officials."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from tinhso.accounts.receivers import LOGOUT_REASON_ATTR


class IdleSessionTimeoutMiddleware:
    """Ends a logged-in session after TINHSO_IDLE_TIMEOUT seconds without a request."""

    key = "tinhso_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(self.key)
            if last_seen is not None and now - last_seen > settings.TINHSO_IDLE_TIMEOUT:
                setattr(request, LOGOUT_REASON_ATTR, "idle")
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)  # now anonymous: the API answers 401 itself
                return redirect(f"{reverse('account_login')}?het_phien=1")
            request.session[self.key] = now
        return self.get_response(request)


class OfficialMfaRequiredMiddleware:
    """An official without a TOTP authenticator can only set one up (or log out). The API answers
    such a session with 403 in the API's error shape (system tokens are not sessions: not affected)."""

    allowed_prefixes = ("/tai-khoan/", "/static/", "/i18n/", "/healthz", "/readyz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "is_official", False)
            and not request.path.startswith(self.allowed_prefixes)
            and not self._has_totp(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"code": "mfa_required",
                     "message": _("Cán bộ cần bật xác thực hai lớp trước khi dùng hệ thống."),
                     "details": {"setup_url": reverse("mfa_activate_totp")}},
                    status=403, json_dumps_params={"ensure_ascii": False},
                )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _has_totp(user) -> bool:
        from allauth.mfa.models import Authenticator

        return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
