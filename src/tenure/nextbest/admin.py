from django.contrib import admin

from tenure.nextbest.fields import help_text
from tenure.nextbest.models import (
    Action,
    Arbitration,
    ContextWeight,
    Decision,
    PressurePolicy,
    ProactiveRun,
    RecommenderRun,
    Response,
    Track,
)


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ["key", "label", "order", "prioritisation", "exclusive"]

    def get_form(self, request, obj=None, change=False, **kwargs):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change, **kwargs)
        form.base_fields["rules"].help_text += " " + help_text()
        return form


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = [
        "key", "label", "track", "kind", "channel", "product", "probability", "learned", "cost",
    ]  # fmt: skip
    list_filter = ["track", "kind", "channel", "active", ("product", admin.EmptyFieldListFilter)]
    list_select_related = ["track", "product"]


@admin.register(PressurePolicy)
class PressurePolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "max_offers", "days", "channel", "scope", "active"]


@admin.register(ContextWeight)
class ContextWeightAdmin(admin.ModelAdmin):
    list_display = ["__str__", "track", "action", "weight"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["partner", "at", "asked_by", "channel", "intent", "top_action"]
    list_filter = ["asked_by", "top_action"]
    raw_id_fields = ["partner", "user"]


@admin.register(Response)
class ResponseAdmin(admin.ModelAdmin):
    list_display = ["partner", "action", "response", "agent", "at"]
    list_filter = ["response", "action"]
    raw_id_fields = ["decision", "partner", "agent"]


@admin.register(ProactiveRun)
class ProactiveRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "finished_at", "partners", "complete"]


@admin.register(Arbitration)
class ArbitrationAdmin(admin.ModelAdmin):
    list_display = ["mode", "propensity", "context_weight", "value", "lever"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return not Arbitration.objects.exists()


@admin.register(RecommenderRun)
class RecommenderRunAdmin(admin.ModelAdmin):
    """Read-only: runs are written by ``tenure nba fit-recommender``."""

    list_display = ["started_at", "customers", "products", "holdings", "cutoff", "complete"]
    exclude = ["model"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
