"""Issue a bearer token for another system of the province; prints it once (only its SHA-256 is kept)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tinhso.accounts.models import User
from tinhso.accounts.services import api_token_issue
from tinhso.core.models import Agency


class Command(BaseCommand):
    help = ("Cấp khóa API cho một hệ thống (in ra một lần duy nhất). / Issue an API token for a system "
            "(printed once).")

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, help="Mã định danh cơ quan (QCVN 102:2016).")
        parser.add_argument("--user", required=True, help="Tài khoản cán bộ kỹ thuật mà hệ thống dùng.")
        parser.add_argument("--name", required=True, help="Tên hệ thống.")
        parser.add_argument("--days", type=int, default=365, help="Số ngày hiệu lực (0 = không hết hạn).")

    def handle(self, *args, agency, user, name, days, **options):
        try:
            issued = api_token_issue(
                actor=None, agency=Agency.objects.get(code=agency), user=User.objects.get(username=user),
                name=name, expires_at=timezone.now() + dt.timedelta(days=days) if days else None,
            )
        except (Agency.DoesNotExist, User.DoesNotExist) as error:
            raise CommandError(str(error)) from error
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        self.stdout.write(issued.token)
