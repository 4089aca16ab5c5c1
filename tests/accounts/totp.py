"""TOTP in tests: what the official's phone app would show."""

from __future__ import annotations

import time

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value


def totp_code(secret: str, *, at: float | None = None) -> str:
    """The RFC 6238 code for `secret` (30-second steps), computed with allauth's HOTP function."""
    return format_hotp_value(hotp_value(secret, int(at if at is not None else time.time()) // 30))


def wait_for_fresh_totp_window(margin: float = 3.0) -> None:
    """allauth accepts only the current 30-second step (MFA_TOTP_TOLERANCE = 0): do not start a
    submission in the last seconds of a step."""
    left = 30 - time.time() % 30
    if left < margin:
        time.sleep(left + 0.05)


def activate_totp(user) -> str:
    """The official scans the QR code: a TOTP authenticator with a fresh secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret
