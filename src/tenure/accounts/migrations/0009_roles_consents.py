"""Agents and the retention team record a customer's contact consent (issue 8)."""

from django.db import migrations


def sync(apps, schema_editor):
    from tenure.accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_roles_campaigns")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
