"""Campaigns (issue 8): the retention team builds campaigns and saved searches, agents work contacts."""

from django.db import migrations


def sync(apps, schema_editor):
    from tenure.accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_roles_customerdata"),
        ("campaigns", "0003_population"),
        ("partners", "0002_lifecycle_and_consent"),
        ("reports", "0001_initial"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
