from django.contrib import admin

from tenure.accounts.models import AgentProfile, ApiToken


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "extension"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "label", "created_at", "last_used_at", "revoked"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at"]
