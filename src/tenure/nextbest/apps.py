from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NextBestConfig(AppConfig):
    name = "tenure.nextbest"
    label = "nextbest"
    verbose_name = _("Next best action")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.db.models.signals import post_delete, post_save

        from tenure.nextbest.models import (
            Action,
            Arbitration,
            ContextWeight,
            PressurePolicy,
            Track,
        )

        for model in (Track, Action, PressurePolicy, ContextWeight, Arbitration):
            auditlog.register(model)
            post_save.connect(_forget_catalogue, sender=model, dispatch_uid=f"nba-{model.__name__}")
            post_delete.connect(
                _forget_catalogue, sender=model, dispatch_uid=f"nba-d{model.__name__}"
            )


def _forget_catalogue(**kwargs: Any) -> None:
    """A catalogue row changed: this process builds the catalogue afresh on its next decision."""
    from tenure.nextbest.services import forget_catalogue

    forget_catalogue()
