"""Analysts see model runs and the scoring rules; administrators edit the rules."""

from django.db import migrations


def sync(apps, schema_editor):
    from tenure.accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_roles_cti"), ("customervalue", "0006_default_scoring_rules")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
