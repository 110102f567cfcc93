from django.contrib import admin

from tenure.campaigns.models import Campaign, CampaignMember


class CampaignMemberInline(admin.TabularInline):
    model = CampaignMember
    raw_id_fields = ["partner"]
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "starts_on", "ends_on", "active"]
    list_filter = ["type", "active"]
    search_fields = ["name"]
    inlines = [CampaignMemberInline]
