"""Load the indicator registry (kpi/data/indicators/*.json) so that every install has it.

Plans are demo data and are not loaded here (kpi_load_demo, `load_kpi --demo`).
"""

from django.db import migrations

from tinhso.kpi import loading


def load_indicators(apps, schema_editor):
    loading.indicators_load(apps=apps)


def unload_indicators(apps, schema_editor):
    apps.get_model("kpi", "Indicator").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("kpi", "0001_initial")]

    operations = [migrations.RunPython(load_indicators, unload_indicators)]
