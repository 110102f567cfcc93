"""Roles gain the telephony (CTI) permissions, and the telephony system role appears."""

from django.db import migrations


def sync(apps, schema_editor):
    from tenure.accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_roles"), ("cti", "0001_initial")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
