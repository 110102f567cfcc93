"""The campaign's date constraint says what is wrong: "The campaign must end on or after the day it
starts." instead of "Constraint … is violated." (no change in the database)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0008_contact_bulk_insert"),
    ]

    operations = [
        migrations.AlterConstraint(
            model_name="campaign",
            name="campaign_starts_before_it_ends",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("ends_on__isnull", True),
                    ("ends_on__gte", models.F("starts_on")),
                    _connector="OR",
                ),
                name="campaign_starts_before_it_ends",
                violation_error_message="The campaign must end on or after the day it starts.",
            ),
        ),
    ]
