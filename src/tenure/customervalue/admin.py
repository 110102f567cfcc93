from django.contrib import admin

from tenure.customervalue.models import ChurnRiskClass, CustomerSegment, CustomerValueDataset


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
