from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomerDataConfig(AppConfig):
    name = "tenure.customerdata"
    label = "customerdata"
    verbose_name = _("Payments, complaints and products")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from tenure.customerdata import models

        # edits and deletions in the admin are logged by auditlog's signals; the imports write in
        # bulk and log their updates themselves (services._audit_updates)
        auditlog.register(models.Payment)
        auditlog.register(models.Complaint)
        auditlog.register(models.Product)
        auditlog.register(models.ProductHolding)
