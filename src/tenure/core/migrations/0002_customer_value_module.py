"""Install the licensed module "Customer value", active."""

from django.db import migrations


def install(apps, schema_editor):
    Module = apps.get_model("core", "Module")
    Module.objects.get_or_create(key="customer_value", defaults={"name": "Customer value", "active": True})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
