"""Next best action (issue 9): every role sees decisions and records responses; analysts read
the learned response rates; administrators keep the catalogue (accounts.roles)."""

from django.db import migrations


def sync(apps, schema_editor):
    from tenure.accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0010_roles_templates"), ("nextbest", "0002_default_catalogue")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
