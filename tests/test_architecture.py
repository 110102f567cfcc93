"""Layering rules that keep the framework-free parts framework-free."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "tenure"
FRAMEWORK_FREE = [
    *sorted((PACKAGE / "analytics").rglob("*.py")),
    PACKAGE / "guidance" / "matching.py",
]


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_framework_free_modules_import_no_django_and_no_django_app() -> None:
    offenders = {
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in FRAMEWORK_FREE
        for name in _imported_modules(path)
        if name.split(".")[0] in {"django", "ninja", "auditlog", "django_htmx"}
        or (name.startswith("tenure.") and not name.startswith("tenure.analytics"))
    }
    assert FRAMEWORK_FREE and not offenders


def test_importing_analytics_does_not_load_django() -> None:
    code = (
        "import sys, importlib, pkgutil, tenure.analytics as a\n"
        "for m in pkgutil.walk_packages(a.__path__, 'tenure.analytics.'):\n"
        "    importlib.import_module(m.name)\n"
        "import tenure.guidance.matching\n"
        "print('django' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.django_db
def test_models_and_migrations_agree() -> None:
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits 1 if not
