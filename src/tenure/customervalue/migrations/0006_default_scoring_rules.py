"""The delivered scoring rules: customer value by deciles of a 12-month CLV (10 % a year),
segments A ≥ 9, B ≥ 7, C ≥ 4, D ≥ 1 and risk classes 1 ≥ 0, 2 ≥ 25, 3 ≥ 50, 4 ≥ 75 churn score."""

from django.db import migrations

SEGMENTS = {"A": 9, "B": 7, "C": 4, "D": 1}
RISK_CLASSES = {"1": 0, "2": 25, "3": 50, "4": 75}


def install(apps, schema_editor):
    apps.get_model("customervalue", "CustomerValueRule").objects.get_or_create(pk=1)
    segment_rule = apps.get_model("customervalue", "SegmentRule")
    for key, bound in SEGMENTS.items():
        if apps.get_model("customervalue", "CustomerSegment").objects.filter(key=key).exists():
            segment_rule.objects.get_or_create(segment_id=key, defaults={"min_customer_value": bound})
    risk_rule = apps.get_model("customervalue", "RiskClassRule")
    for key, bound in RISK_CLASSES.items():
        if apps.get_model("customervalue", "ChurnRiskClass").objects.filter(key=key).exists():
            risk_rule.objects.get_or_create(risk_class_id=key, defaults={"min_churn_score": bound})


class Migration(migrations.Migration):
    dependencies = [("customervalue", "0005_model_runs_and_value_rules")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
