from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomerValueConfig(AppConfig):
    name = "tenure.customervalue"
    label = "customervalue"
    verbose_name = _("Customer value")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from tenure.customervalue import models, signals  # noqa: F401 (connects the receivers)

        auditlog.register(models.CustomerSegment)
        auditlog.register(models.ChurnRiskClass)
        auditlog.register(models.CustomerValueRule)
        auditlog.register(models.SegmentRule)
        auditlog.register(models.RiskClassRule)
        auditlog.register(models.ModelRun, exclude_fields=["figures"])
