"""Agents and the retention team record the NPS and set the traffic light; everyone sees the
indicators; administrators edit the traffic-light rules and campaigns."""

from django.db import migrations


def sync(apps, schema_editor):
    from tenure.accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_roles_propensity"),
        ("retention", "0003_default_indicator_rules"),
        ("campaigns", "0001_initial"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
