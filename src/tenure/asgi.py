"""The ASGI application (``tenure serve`` runs it with uvicorn); see ``tenure.core.asgi``."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
django.setup(set_prefix=False)

from tenure.core.asgi import TenureASGIHandler  # noqa: E402

application = TenureASGIHandler()
