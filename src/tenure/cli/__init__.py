"""The ``tenure`` command line (Typer + rich)."""

import os


def setup_django() -> None:
    """Configure Django once for a CLI command."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
    import django

    django.setup()
