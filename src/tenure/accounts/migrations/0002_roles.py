"""Create the four roles as Django groups with their permissions (see tenure.accounts.roles)."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from tenure.accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("auditlog", "__latest__"),
        ("core", "0002_customer_value_module"),
        ("partners", "0001_initial"),
        ("customervalue", "0002_key_tables"),
        ("guidance", "0002_sample_rules"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
