"""Tenure's settings plus Django's PostgreSQL connection pool: the fix measured by the "pooled"
variant of tile_latency.py (``--variant pooled``), not used by the application itself.

Tenure runs under ASGI, where every request's synchronous code runs in a fresh thread, so
``CONN_MAX_AGE`` cannot keep a connection and each request opens a new one. A pool (Django 5.1+,
``psycopg-pool``) hands out open connections instead. tile_latency.py installs psycopg-pool into
benchmarks/data/pylib (git-ignored) and puts it on ``PYTHONPATH`` for the server of that variant.
"""

from tenure.settings import *  # noqa: F403
from tenure.settings import DATABASES

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # a pool manages the connections' life instead
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 10}
