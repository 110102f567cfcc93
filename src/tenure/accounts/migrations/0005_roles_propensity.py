"""Analysts see, compare and publish propensity model runs; administrators manage them."""

from django.db import migrations


def sync(apps, schema_editor):
    from tenure.accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_roles_model_runs"), ("retention", "0001_initial")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
