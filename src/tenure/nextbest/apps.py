from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NextBestConfig(AppConfig):
    name = "tenure.nextbest"
    label = "nextbest"
    verbose_name = _("Next best action")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from tenure.nextbest.models import (
            Action,
            Arbitration,
            ContextWeight,
            PressurePolicy,
            Track,
        )

        for model in (Track, Action, PressurePolicy, ContextWeight, Arbitration):
            auditlog.register(model)
