"""Whether this page listens for the user's calls: agents with an extension and the permission."""

from __future__ import annotations

from django.http import HttpRequest

from tenure.accounts.models import AgentProfile


def cti(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm("cti.view_call"):
        return {"cti_extension": ""}
    profile = AgentProfile.objects.filter(user=user).only("extension").first()
    return {"cti_extension": profile.extension if profile else ""}
