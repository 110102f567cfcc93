from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "tenure.reports"
    label = "reports"
    verbose_name = _("Reports and analysis")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from tenure.reports.models import SavedSearch

        auditlog.register(SavedSearch)
