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

        from tenure.core.importing import import_finished
        from tenure.retention.indicators import refresh_after_import

        import_finished.connect(refresh_after_import, dispatch_uid="traffic-lights-follow-imports")
