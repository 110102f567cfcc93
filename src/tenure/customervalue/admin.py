from django.contrib import admin

from tenure.customervalue.models import (
    ChurnRiskClass,
    CustomerSegment,
    CustomerValueDataset,
    CustomerValueRule,
    ModelRun,
    RiskClassRule,
    SegmentRule,
)


@admin.register(CustomerSegment)
class CustomerSegmentAdmin(admin.ModelAdmin):
    list_display = ["key", "label", "colour", "position"]


@admin.register(ChurnRiskClass)
class ChurnRiskClassAdmin(admin.ModelAdmin):
    list_display = ["key", "label", "colour", "position"]


@admin.register(CustomerValueDataset)
class CustomerValueDatasetAdmin(admin.ModelAdmin):
    """Read-only: datasets are appended by imports, never edited."""

    list_display = [
        "partner",
        "as_of",
        "segment",
        "customer_value",
        "risk_class",
        "churn_score",
        "source",
    ]
    list_filter = ["segment", "risk_class"]
    raw_id_fields = ["partner", "import_run"]
    search_fields = ["partner__number"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(CustomerValueRule)
class CustomerValueRuleAdmin(admin.ModelAdmin):
    """One row: how scoring runs derive customer value 1..10 (validated, audited)."""

    list_display = ["method", "cut_points", "horizon_months", "annual_discount_rate"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return not CustomerValueRule.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(SegmentRule)
class SegmentRuleAdmin(admin.ModelAdmin):
    list_display = ["segment", "min_customer_value"]


@admin.register(RiskClassRule)
class RiskClassRuleAdmin(admin.ModelAdmin):
    list_display = ["risk_class", "min_churn_score"]


@admin.register(ModelRun)
class ModelRunAdmin(admin.ModelAdmin):
    """Read-only: model runs are recorded by `tenure clv fit` and never edited."""

    list_display = ["id", "model", "calibration_end", "customers", "log_likelihood", "status"]
    exclude = ["figures"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
