from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "tenure.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from tenure.campaigns.models import Campaign, CampaignSettings, CampaignTemplate, Contact
        from tenure.campaigns.targeting import register_sqlite_functions

        auditlog.register(Campaign)
        auditlog.register(Contact, exclude_fields=["search_number", "search_name"])
        connection_created.connect(register_sqlite_functions, dispatch_uid="tenure_sqlite_lower")
        auditlog.register(CampaignTemplate)
        auditlog.register(CampaignSettings)
