from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "tenure.partners"
    label = "partners"
    verbose_name = _("Business partners")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from tenure.partners.models import (
            BusinessPartner,
            ChannelConsent,
            Note,
            PartnerPhoneNumber,
            Task,
        )

        auditlog.register(BusinessPartner)
        auditlog.register(PartnerPhoneNumber)
        auditlog.register(ChannelConsent)
        auditlog.register(Note)
        auditlog.register(Task)
