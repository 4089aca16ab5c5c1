"""Load the nationwide official days off and make-up days of 2025–2026 (core/data/calendar_official.json).

Idempotent: a date that already has a nationwide row keeps it. Reversing removes only the rows that
still match the shipped file exactly, so rows an admin changed survive a rollback.
"""

from django.db import migrations

from tinhso.core import calendar


def load_official_days(apps, schema_editor):
    calendar.calendar_load_official_days(apps=apps)


def unload_official_days(apps, schema_editor):
    model = apps.get_model("core", "CalendarDay")
    for day in calendar.official_days_shipped():
        model.objects.filter(
            date=day.date, province__isnull=True, kind=day.kind, name=day.name, source=day.source
        ).delete()
    calendar.calendar_cache_clear()


class Migration(migrations.Migration):

    dependencies = [("core", "0002_load_units")]

    operations = [migrations.RunPython(load_official_days, unload_official_days, elidable=False)]
