"""The default catalogue: collections → retention → growth, eight actions, two pressure policies."""

from django.db import migrations


def install(apps, schema_editor):
    from tenure.nextbest import defaults

    track, action = apps.get_model("nextbest", "Track"), apps.get_model("nextbest", "Action")
    policy = apps.get_model("nextbest", "PressurePolicy")
    weight = apps.get_model("nextbest", "ContextWeight")
    for row in defaults.TRACKS:
        track.objects.update_or_create(key=row["key"], defaults=row)
    for row in defaults.ACTIONS:
        action.objects.update_or_create(key=row["key"], defaults=row)
    for row in defaults.PRESSURE:
        policy.objects.update_or_create(name=row["name"], defaults=row)
    if not weight.objects.exists():
        for row in defaults.WEIGHTS:
            weight.objects.create(**row)


def remove(apps, schema_editor):
    for name in ("ContextWeight", "PressurePolicy", "Action", "Track"):
        apps.get_model("nextbest", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("nextbest", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
