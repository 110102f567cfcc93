"""Cheaper populating (docs/benchmarks.md §7): no database constraint on the contact's campaign,
partner and agent (PostgreSQL checks them row by row), and no (agent, status, group, campaign) index over
every contact (contact_agent_filter_idx of the assigned ones covers an agent's worklist)."""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

snapshot = importlib.import_module("tenure.campaigns.migrations.0007_contact_targeting_snapshot")


def restore_sqlite_indexes(apps, schema_editor):
    """SQLite alters a field by copying the table, which keeps only the indexes Django declares:
    make 0007's own indexes again there (after the fields change forwards, and after they change
    back when the migration is reversed, so that 0007's reversal finds them)."""
    if schema_editor.connection.vendor != "sqlite":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'campaigns_contact'")
        present = {name for (name,) in cursor.fetchall()}
    if "contact_agent_churn_idx" not in present:
        snapshot.churn_index(apps, schema_editor)
    if not set(snapshot.SEARCH_INDEXES) <= present:
        snapshot.search_indexes(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0007_contact_targeting_snapshot"),
        ("partners", "0003_notes_tasks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_indexes),
        migrations.RemoveIndex(model_name="contact", name="contact_agent_idx"),
        migrations.AlterField(
            model_name="contact",
            name="campaign",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="contacts",
                to="campaigns.campaign",
                verbose_name="campaign",
            ),
        ),
        migrations.AlterField(
            model_name="contact",
            name="partner",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="campaign_contacts",
                to="partners.businesspartner",
                verbose_name="business partner",
            ),
        ),
        migrations.AlterField(
            model_name="contact",
            name="agent",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="campaign_contacts",
                to=settings.AUTH_USER_MODEL,
                verbose_name="agent",
            ),
        ),
        migrations.RunPython(restore_sqlite_indexes, migrations.RunPython.noop),
    ]
