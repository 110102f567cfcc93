from django.contrib import admin

from tenure.cti.models import Call, CallEvent


class CallEventInline(admin.TabularInline):
    model = CallEvent
    extra = 0
    readonly_fields = ["event", "at", "received_at", "agent"]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["call_id", "state", "outcome", "caller_e164", "extension", "agent", "partner"]
    list_filter = ["state", "outcome"]
    search_fields = ["call_id", "caller_e164", "partner__number", "partner__name"]
    raw_id_fields = ["partner", "agent"]
    inlines = [CallEventInline]
