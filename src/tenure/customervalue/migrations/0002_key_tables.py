"""Deliver the key tables: customer segments A..D and churn risk classes 1..4 (SPEC §1.1, §1.3)."""

from django.db import migrations

SEGMENTS = [
    ("A", "Customer A", "green", 1),
    ("B", "Customer B", "yellow", 2),
    ("C", "Customer C", "orange", 3),
    ("D", "Customer D", "red", 4),
]
RISK_CLASSES = [
    ("1", "low", "green", 1),
    ("2", "medium", "yellow", 2),
    ("3", "high", "orange", 3),
    ("4", "very high", "red", 4),
]


def install(apps, schema_editor):
    for model_name, rows in (("CustomerSegment", SEGMENTS), ("ChurnRiskClass", RISK_CLASSES)):
        model = apps.get_model("customervalue", model_name)
        for key, label, colour, position in rows:
            model.objects.get_or_create(
                key=key, defaults={"label": label, "colour": colour, "position": position}
            )


class Migration(migrations.Migration):
    dependencies = [("customervalue", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
