"""The retention team keeps the campaign templates (issue 8)."""

from django.db import migrations


def sync(apps, schema_editor):
    from tenure.accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0009_roles_consents")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
