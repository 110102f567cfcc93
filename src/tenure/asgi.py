"""The ASGI application (``tenure serve`` runs it with uvicorn); see ``tenure.core.asgi``."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenure.settings")
django.setup(set_prefix=False)

from tenure.core.asgi import TenureASGIHandler, freeze_startup_objects  # noqa: E402
from tenure.cti import lean  # noqa: E402
from tenure.cti.services import caller_e164  # noqa: E402

# the telephony API's hot path in front of Django; see tenure.cti.lean
application = TenureASGIHandler(lean_routes={(lean.METHOD, lean.PATH): lean.answer})
caller_e164("0341 1234567")  # loads the phone number metadata of the default region
freeze_startup_objects()
