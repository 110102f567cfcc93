from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuidanceConfig(AppConfig):
    name = "tenure.guidance"
    label = "guidance"
    verbose_name = _("Recommendations for action")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from tenure.guidance.models import Recommendation, RecommendationType

        auditlog.register(Recommendation)
        auditlog.register(RecommendationType)
