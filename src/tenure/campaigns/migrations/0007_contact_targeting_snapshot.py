"""The contact's snapshot of the customer when targeted, filled for the contacts there are, and the
worklist's indexes on it (docs/benchmarks.md §7)."""

from django.db import migrations, models

COLUMNS = (
    "targeted_segment, targeted_risk_class, targeted_churn_score, targeted_customer_value, "
    "search_number, search_name"
)


def fill(apps, schema_editor):
    """The snapshot of every existing contact from its partner's current values now."""
    connection = schema_editor.connection
    lower = "lower"
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        lower = "tenure_migration_lower"
        connection.connection.create_function(
            lower, 1, lambda v: None if v is None else v.lower(), deterministic=True
        )
    values = (
        "SELECT tc.segment_id, tc.risk_class_id, tc.churn_score, tc.customer_value, "
        f"{lower}(tp.number), {lower}(tp.name) FROM partners_businesspartner tp "
        "LEFT JOIN customervalue_currentcustomervalue tc ON tc.partner_id = tp.id "
        "WHERE tp.id = campaigns_contact.partner_id"
    )
    schema_editor.execute(f"UPDATE campaigns_contact SET ({COLUMNS}) = ({values})")


def churn_index(apps, schema_editor):
    """(agent, churn score when targeted with empty ones first, id) of assigned contacts: an
    agent's worklist sorted by churn score either way is a range of it (ascending from the
    start, descending from the end, the empty ones last). Partial, so that populating (which
    adds unassigned contacts) does not pay for it; assigning does."""
    nulls = " NULLS FIRST" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        "CREATE INDEX contact_agent_churn_idx ON campaigns_contact "
        f"(agent_id, targeted_churn_score{nulls}, id) WHERE agent_id IS NOT NULL"
    )


def drop_churn_index(apps, schema_editor):
    schema_editor.execute("DROP INDEX contact_agent_churn_idx")


SEARCH_INDEXES = {"contact_search_number_idx": "search_number", "contact_search_name_idx": "search_name"}


def search_indexes(apps, schema_editor):
    """The free text's indexes: the beginning of the number or the name. On PostgreSQL with the
    pattern operator class (LIKE 'x%' under any collation) and for assigned contacts only, so
    that populating does not pay for them; SQLite would not use partial indexes for the two
    arms of the OR, so there they hold every contact."""
    postgresql = schema_editor.connection.vendor == "postgresql"
    for name, column in SEARCH_INDEXES.items():
        if postgresql:
            schema_editor.execute(
                f"CREATE INDEX {name} ON campaigns_contact ({column} varchar_pattern_ops) "
                "WHERE agent_id IS NOT NULL"
            )
        else:
            schema_editor.execute(f"CREATE INDEX {name} ON campaigns_contact ({column})")


def drop_search_indexes(apps, schema_editor):
    for name in SEARCH_INDEXES:
        schema_editor.execute(f"DROP INDEX {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0006_contact_current_value_agent_index"),
        ("customervalue", "0009_current_customer_value_fillfactor"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="targeted_segment",
            field=models.CharField(max_length=10, null=True, verbose_name="segment when targeted"),
        ),
        migrations.AddField(
            model_name="contact",
            name="targeted_risk_class",
            field=models.CharField(
                max_length=10, null=True, verbose_name="risk class when targeted"
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="targeted_churn_score",
            field=models.PositiveSmallIntegerField(
                null=True, verbose_name="churn score when targeted"
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="targeted_customer_value",
            field=models.PositiveSmallIntegerField(
                null=True, verbose_name="customer value when targeted"
            ),
        ),
        migrations.AddField(
            model_name="contact",
            name="search_number",
            field=models.CharField(default="", db_default="", editable=False, max_length=30),
        ),
        migrations.AddField(
            model_name="contact",
            name="search_name",
            field=models.CharField(default="", db_default="", editable=False, max_length=200),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        # (status, -added_at): no query leads with the status any more (the worklist's default
        # order is the id); one index less to keep when populating
        migrations.RemoveIndex(model_name="contact", name="contact_worklist_idx"),
        # (agent, status, group, campaign) + the segment and churn score when targeted, of
        # assigned contacts: an agent's column filters are counted from it; contact_agent_idx
        # stays as it is, its equal keys of unassigned contacts share entries when populating
        migrations.AddIndex(
            model_name="contact",
            index=models.Index(
                condition=models.Q(agent__isnull=False),
                fields=[
                    "agent",
                    "status",
                    "group",
                    "campaign",
                    "targeted_segment",
                    "targeted_churn_score",
                ],
                name="contact_agent_filter_idx",
            ),
        ),
        migrations.RunPython(churn_index, drop_churn_index),
        migrations.RunPython(search_indexes, drop_search_indexes),
    ]
