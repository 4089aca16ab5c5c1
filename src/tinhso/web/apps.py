from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "tinhso.web"
    label = "web"
    verbose_name = _("Giao diện web")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from tinhso.core.models import AdministrativeUnit

        # The header caches the deployment's province (context_processors.py): forget it when a
        # province row changes, so a rename shows at once instead of after the cache expires.
        post_save.connect(
            _province_changed, sender=AdministrativeUnit, dispatch_uid="web-province-cache-save"
        )
        post_delete.connect(
            _province_changed, sender=AdministrativeUnit, dispatch_uid="web-province-cache-delete"
        )


def _province_changed(sender, instance, **kwargs):
    from tinhso.core.models import UnitLevel
    from tinhso.web.context_processors import clear_province_cache

    if instance.level == UnitLevel.PROVINCE:
        clear_province_cache()
