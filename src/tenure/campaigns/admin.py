from django import forms
from django.contrib import admin
from django.utils.text import capfirst

from tenure.campaigns.models import (
    Campaign,
    CampaignSettings,
    CampaignTemplate,
    Contact,
    Population,
)
from tenure.partners.models import Channel


@admin.register(CampaignTemplate)
class CampaignTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "action_kind", "channel", "cost_per_contact", "active"]
    list_filter = ["type", "channel", "active"]
    search_fields = ["name", "action_object"]


class PopulationInline(admin.TabularInline):
    model = Population
    extra = 0
    can_delete = False
    readonly_fields = [
        "source",
        "matched",
        "excluded",
        "added_treated",
        "added_control",
        "control_share",
        "control_seed",
        "created_by",
        "created_at",
    ]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "starts_on", "ends_on", "active", "owner"]
    list_filter = ["type", "active", "channel"]
    search_fields = ["name"]
    raw_id_fields = ["owner", "template"]
    inlines = [PopulationInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["campaign", "partner", "group", "status", "outcome", "agent", "updated_at"]
    list_filter = ["group", "status", "outcome", "campaign__type"]
    raw_id_fields = ["campaign", "partner", "agent"]
    search_fields = ["partner__number", "partner__name"]


def _opt_in_field() -> forms.MultipleChoiceField:
    field = CampaignSettings._meta.get_field("opt_in_channels")
    return forms.MultipleChoiceField(
        label=capfirst(field.verbose_name),
        help_text=field.help_text,
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class CampaignSettingsForm(forms.ModelForm):
    """The opt-in channels as one checkbox per channel: an unknown channel cannot be saved (it
    would be ignored silently when populating)."""

    opt_in_channels = _opt_in_field()

    class Meta:
        model = CampaignSettings
        fields = ["contact_pressure_days", "opt_in_channels"]


@admin.register(CampaignSettings)
class CampaignSettingsAdmin(admin.ModelAdmin):
    form = CampaignSettingsForm
    list_display = ["contact_pressure_days", "opt_in_channels", "updated_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return not CampaignSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
