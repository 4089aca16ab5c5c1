"""The scan cursor starts at the last dossier event present when the app is installed: a
deployment that adds notifications does not message citizens about every past step."""

from django.db import migrations
from django.db.models import Max


def start_cursor(apps, schema_editor):
    DossierEvent = apps.get_model("dossiers", "DossierEvent")
    Cursor = apps.get_model("notifications", "Cursor")
    last = DossierEvent.objects.aggregate(m=Max("id"))["m"] or 0
    Cursor.objects.update_or_create(name="dossier_events", defaults={"last_id": last})


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(start_cursor, migrations.RunPython.noop)]
