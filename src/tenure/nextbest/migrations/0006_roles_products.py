"""Product recommendations (issue 9): every role sees products and holdings on the partner page;
analysts read the recommender runs; administrators keep the product catalogue (accounts.roles)."""

from django.db import migrations


def sync(apps, schema_editor):
    from tenure.accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_roles_notes_tasks"),
        ("customerdata", "0002_holdings"),
        ("nextbest", "0005_product_recommender"),
    ]
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
