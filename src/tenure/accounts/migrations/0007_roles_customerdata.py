"""Every role that reads customers sees their payments and complaints; administrators import them."""

from django.db import migrations


def sync(apps, schema_editor):
    from tenure.accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_roles_crl_indicators"), ("customerdata", "0001_initial")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
