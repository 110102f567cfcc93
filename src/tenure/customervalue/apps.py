from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomerValueConfig(AppConfig):
    name = "tenure.customervalue"
    label = "customervalue"
    verbose_name = _("Customer value")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from tenure.customervalue.models import ChurnRiskClass, CustomerSegment

        auditlog.register(CustomerSegment)
        auditlog.register(ChurnRiskClass)
