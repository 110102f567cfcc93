"""The delivered traffic-light thresholds (one row): look back 180 days, missed after 30 days
overdue, red from 1 missed payment or 1 open major complaint, yellow from 1 late payment or 1 open
complaint."""

from django.db import migrations


def install(apps, schema_editor):
    apps.get_model("retention", "IndicatorRules").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("retention", "0002_crl_indicators")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
