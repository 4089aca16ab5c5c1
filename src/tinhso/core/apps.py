from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tinhso.core"
    label = "core"
    verbose_name = _("Danh mục dùng chung")

    def ready(self):
        from django.db.models.signals import post_migrate

        import tinhso.core.calendar  # noqa: F401  (connects the calendar-cache invalidation signals)
        from tinhso.core.search import search_indexes_ensure

        # A later migration that rebuilds a searchable table on SQLite drops its FTS triggers;
        # put them back after every migrate.
        post_migrate.connect(search_indexes_ensure, sender=self)
