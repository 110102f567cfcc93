from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RetentionConfig(AppConfig):
    name = "tenure.retention"
    label = "retention"
    verbose_name = _("Retention")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from tenure.retention import models

        auditlog.register(models.PropensityRun, exclude_fields=["figures", "artifact"])
        auditlog.register(models.IndicatorRules)
