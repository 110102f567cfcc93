from django.contrib import admin

from tenure.retention.models import PropensityRun


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
