"""Every role reads a partner's notes and tasks; agents write them (issue 9, customer on a page)."""

from django.db import migrations


def sync(apps, schema_editor):
    from tenure.accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0010_roles_templates"), ("partners", "0003_notes_tasks")]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
