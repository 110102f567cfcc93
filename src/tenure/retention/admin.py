from django.contrib import admin

from tenure.retention.models import IndicatorRules, NpsRecord, PropensityRun, TrafficLightChange


@admin.register(PropensityRun)
class PropensityRunAdmin(admin.ModelAdmin):
    """Read-only: runs are recorded by training and published from the analyst page."""

    list_display = ["id", "target", "name", "model", "created_at", "published_at", "retired_at"]
    list_filter = ["target", "model"]
    exclude = ["figures", "artifact"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(IndicatorRules)
class IndicatorRulesAdmin(admin.ModelAdmin):
    """One row: the thresholds of the automatic traffic light (audited)."""

    list_display = [
        "window_days",
        "missed_after_days",
        "red_missed_payments",
        "red_major_complaints",
        "yellow_late_payments",
        "yellow_open_complaints",
    ]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return not IndicatorRules.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(TrafficLightChange)
class TrafficLightChangeAdmin(admin.ModelAdmin):
    """Read-only history: changes are made in the CRM summary, by import or by the rules."""

    list_display = ["partner", "previous", "light", "origin", "changed_by", "changed_at"]
    list_filter = ["light", "origin"]
    search_fields = ["partner__number"]
    raw_id_fields = ["partner", "import_run"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(NpsRecord)
class NpsRecordAdmin(admin.ModelAdmin):
    list_display = ["partner", "score", "recorded_by", "recorded_at"]
    search_fields = ["partner__number"]
    raw_id_fields = ["partner"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
