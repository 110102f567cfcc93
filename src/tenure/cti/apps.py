from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CtiConfig(AppConfig):
    name = "tenure.cti"
    label = "cti"
    verbose_name = _("Telephony (CTI)")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from tenure.cti.models import Call

        auditlog.register(Call)
