"""Security events into the audit log: logins, failures, lockouts, logouts, second-factor changes.

The entries carry the username and nothing else personal (no password, no code, no name). A failed
second-factor code counts as a failed login for django-axes too: without it, someone who knows a
password could try TOTP codes without limit (allauth's own limit is off, ACCOUNT_RATE_LIMITS=False).
"""

from __future__ import annotations

import logging

from allauth.mfa import signals as mfa_signals
from axes.helpers import get_client_ip_address
from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from tinhso.accounts.adapters import login_normalize
from tinhso.core.audit import audit_record

log = logging.getLogger(__name__)

#: set on the request by code that logs a user out for a reason (idle timeout)
LOGOUT_REASON_ATTR = "tinhso_logout_reason"


def _ip(request) -> str:
    if request is None:
        return ""
    try:
        return get_client_ip_address(request) or ""
    except Exception:  # an unparsable proxy header must not turn a login into a 500
        return request.META.get("REMOTE_ADDR", "")


def _username_from(credentials: dict | None, request) -> str:
    credentials = credentials or {}
    value = credentials.get("login") or credentials.get("username")
    if not value and request is not None:
        value = request.POST.get("login") or request.POST.get("username")
    return login_normalize(value)[:150]


def on_logged_in(sender, request, user, **kwargs):
    audit_record(action="login.succeeded", actor=user, object_type="user", object_id=user.pk,
                 data={"username": user.get_username()}, ip=_ip(request))


def on_login_failed(sender, credentials, request=None, **kwargs):
    data = {"username": _username_from(credentials, request)}
    if credentials.get("second_factor"):
        data["second_factor"] = credentials["second_factor"]
    audit_record(action="login.failed", object_type="user", data=data, ip=_ip(request))


def on_locked_out(sender, request, username, ip_address, **kwargs):
    audit_record(action="login.locked_out", object_type="user",
                 data={"username": login_normalize(username)[:150]}, ip=ip_address or _ip(request))
    if request is not None and hasattr(request, "session"):
        # A login waiting for its second factor ends here, or a right code could still finish it.
        try:
            from allauth.account.internal.stagekit import clear_login
        except ImportError:  # allauth moved its internals: the session key is the same idea
            request.session.pop("account_login", None)
        else:
            clear_login(request)


def on_logged_out(sender, request, user, **kwargs):
    if user is None:
        return
    reason = getattr(request, LOGOUT_REASON_ATTR, "user")
    audit_record(action="logout", actor=user, object_type="user", object_id=user.pk,
                 data={"username": user.get_username(), "reason": reason}, ip=_ip(request))


def on_mfa_failed(sender, request, user, authenticator, reauthentication=False, **kwargs):
    # Django's own "login failed" signal: django-axes counts it towards the lockout, and
    # on_login_failed writes the audit entry.
    user_login_failed.send(
        sender=get_user_model(),
        credentials={"username": user.get_username(), "login": login_normalize(user.get_username()),
                     "second_factor": authenticator.type},
        request=request,
    )


def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    audit_record(action="mfa.authenticator_added", actor=user, object_type="user", object_id=user.pk,
                 data={"username": user.get_username(), "type": authenticator.type}, ip=_ip(request))


def on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    audit_record(action="mfa.authenticator_removed", actor=user, object_type="user", object_id=user.pk,
                 data={"username": user.get_username(), "type": authenticator.type}, ip=_ip(request))


def on_authenticator_reset(sender, request, user, authenticator, **kwargs):
    audit_record(action="mfa.authenticator_reset", actor=user, object_type="user", object_id=user.pk,
                 data={"username": user.get_username(), "type": authenticator.type}, ip=_ip(request))


def connect() -> None:
    uid = "tinhso.accounts."
    user_logged_in.connect(on_logged_in, dispatch_uid=uid + "logged_in")
    user_login_failed.connect(on_login_failed, dispatch_uid=uid + "login_failed")
    user_logged_out.connect(on_logged_out, dispatch_uid=uid + "logged_out")
    user_locked_out.connect(on_locked_out, dispatch_uid=uid + "locked_out")
    mfa_signals.authentication_failed.connect(on_mfa_failed, dispatch_uid=uid + "mfa_failed")
    mfa_signals.authenticator_added.connect(on_authenticator_added, dispatch_uid=uid + "mfa_added")
    mfa_signals.authenticator_removed.connect(on_authenticator_removed, dispatch_uid=uid + "mfa_removed")
    mfa_signals.authenticator_reset.connect(on_authenticator_reset, dispatch_uid=uid + "mfa_reset")
