"""Print a demo official's current 6-digit TOTP code, for a demo without a phone app.

Refused unless DEBUG or TINHSO_DEMO=1: on a real deployment this would be a second factor handed to
whoever can run commands on the server.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from allauth.mfa.utils import decrypt
from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tinhso.accounts.demo import demo_enabled


def current_code(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))  # the middle one is "now"


class Command(BaseCommand):
    help = "In mã TOTP hiện tại của một tài khoản mẫu (chỉ cho demo) / Print a demo user's current TOTP code."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not (settings.DEBUG or demo_enabled()):
            raise CommandError("Chỉ dùng cho bản demo (TINHSO_DEMO=1 hoặc TINHSO_DEBUG=1). / Demo only.")
        authenticator = Authenticator.objects.filter(
            user__username__iexact=username, type=Authenticator.Type.TOTP).first()
        if authenticator is None:
            raise CommandError(f"Tài khoản {username} chưa bật ứng dụng xác thực.")
        try:
            secret = decrypt(authenticator.data["secret"])
        except InvalidToken as error:
            raise CommandError("Không giải mã được khóa TOTP: SECRET_KEY khác khóa của bản demo "
                               "(var/secret_key). / SECRET_KEY differs from the demo's.") from error
        self.stdout.write(current_code(secret))
