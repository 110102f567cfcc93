"""Deliver the recommendation types and the seven sample recommendations for action (SPEC §1.2).

Installed once; administrators may edit or delete them afterwards.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

TYPES = [("Text", "Text", 1), ("Tariff", "Tariff", 2), ("Campaign", "Campaign", 3), ("Discount", "Discount", 4)]
RULES = [
    ("C01ExampleCuGu", "Text", "A", "1", "Personal provision call or personal cover letter for customer loyalty during the contract period", None),
    ("C02ExampleCuGu", "Tariff", "A", "1", "Offer tariff optimization in the event of a query from the customer", None),
    ("C03ExampleCuGu", "Text", "B", "1", "Actively make cross-selling quotes", None),
    ("C04ExampleCuGu", "Campaign", "B", "3", "Add to the customer loyalty campaign before reaching the termination period", None),
    ("C05ExampleCuGu", "Discount", "C", "3", "Decoy offers with loyalty discounts, duration 5 years", Decimal("50")),
    ("C06ExampleCuGu", "Discount", "C", "3", "Offer premium service without additional fees in the first year", Decimal("50")),
    ("C07ExampleCuGu", "Text", "D", "4", "Act passively", None),
]


def install(apps, schema_editor):
    RecommendationType = apps.get_model("guidance", "RecommendationType")
    Recommendation = apps.get_model("guidance", "Recommendation")
    for key, label, position in TYPES:
        RecommendationType.objects.get_or_create(key=key, defaults={"label": label, "position": position})
    for key, option, segment, risk, text, discount in RULES:
        Recommendation.objects.get_or_create(
            key=key,
            defaults={
                "option_id": option,
                "segment_id": segment,
                "risk_class_id": risk,
                "churn_score_from": 0,
                "churn_score_to": 100,
                "text": text,
                "discount": discount,
                "valid_from": dt.date(1970, 1, 1),
            },
        )


class Migration(migrations.Migration):
    dependencies = [("guidance", "0001_initial"), ("customervalue", "0002_key_tables")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
