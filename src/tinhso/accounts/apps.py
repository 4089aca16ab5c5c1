from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "tinhso.accounts"
    label = "accounts"
    verbose_name = _("Tài khoản")

    def ready(self):
        from tinhso.accounts import receivers

        receivers.connect()
