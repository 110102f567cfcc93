from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "tenure.core"
    label = "core"
    verbose_name = _("Administration")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from tenure.core.models import ImportRun, Module

        auditlog.register(Module)
        auditlog.register(ImportRun, exclude_fields=["errors"])
