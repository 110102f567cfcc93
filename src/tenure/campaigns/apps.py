from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "tenure.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from tenure.campaigns.models import Campaign, CampaignSettings, CampaignTemplate, Contact

        auditlog.register(Campaign)
        auditlog.register(Contact)
        auditlog.register(CampaignTemplate)
        auditlog.register(CampaignSettings)
