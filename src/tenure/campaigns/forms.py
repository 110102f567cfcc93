"""Forms of the retention team's campaign pages: templates, duplicate-and-personalise, populate,
assign."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from tenure.accounts.roles import AGENT, GROUP_NAMES
from tenure.campaigns.models import Campaign, CampaignTemplate, UpliftRun
from tenure.campaigns.scripts import check_placeholders
from tenure.customervalue.models import CustomerSegment
from tenure.reports.models import SavedSearch

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SCRIPT = forms.Textarea(attrs={"rows": 10, "class": "script-editor"})


def users_with(permission: str) -> QuerySet[User]:
    """Active users holding a permission through their role (group) or directly."""
    app_label, codename = permission.split(".")
    holds = Q(
        groups__permissions__codename=codename,
        groups__permissions__content_type__app_label=app_label,
    ) | Q(
        user_permissions__codename=codename,
        user_permissions__content_type__app_label=app_label,
    )
    return (
        User.objects.filter(is_active=True).filter(holds | Q(is_superuser=True)).distinct()
    ).order_by("username")


def visible_saved_searches(user: Any) -> QuerySet[Any]:
    """The saved searches a user may use: shared ones and their own."""
    return SavedSearch.objects.filter(Q(shared=True) | Q(owner_id=user.pk)).order_by("name")


class TemplateForm(forms.ModelForm):
    class Meta:
        model = CampaignTemplate
        fields = [
            "name",
            "type",
            "action_kind",
            "action_object",
            "channel",
            "duration_days",
            "cost_per_contact",
            "script",
            "active",
        ]
        widgets = {"script": SCRIPT}

    def clean_script(self) -> str:
        script: str = self.cleaned_data["script"]
        check_placeholders(script)
        return script


PERSONAL_FIELDS = [
    "name",
    "description",
    "owner",
    "starts_on",
    "ends_on",
    "action_kind",
    "action_object",
    "channel",
    "cost_per_contact",
    "control_share",
    "script",
]


class CampaignForm(forms.ModelForm):
    """Personalising a campaign: duplicated from a template, or edited later."""

    class Meta:
        model = Campaign
        fields = PERSONAL_FIELDS
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "script": SCRIPT,
            "description": forms.Textarea(attrs={"rows": 2}),
            "control_share": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "0.9"}),
        }
        help_texts = {
            "control_share": _(
                "0 to 0.9: for example 0.2 holds out one target in five at random; "
                "they are never contacted and show what happens without the campaign."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = users_with("campaigns.change_campaign")  # type: ignore[attr-defined]

    def clean_script(self) -> str:
        script: str = self.cleaned_data["script"]
        check_placeholders(script)
        return script

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error(
                "ends_on",
                _("The campaign cannot end before it starts (%(day)s).")
                % {"day": date_format(starts_on, "SHORT_DATE_FORMAT")},
            )
        return data


class PopulateForm(forms.Form):
    """Where the targets come from: one of a saved search, a segment or an uploaded list."""

    SOURCES = [
        ("search", _("Saved advanced search")),
        ("segment", _("Customer segment")),
        ("list", _("List of partner numbers (CSV)")),
        ("next_best_action", _("Customers whose next best action is")),
    ]
    source = forms.ChoiceField(
        label=_("Add targets from"), choices=SOURCES, widget=forms.RadioSelect, initial="search"
    )
    saved_search = forms.ModelChoiceField(
        label=_("Saved search"),
        queryset=SavedSearch.objects.none(),
        required=False,
        empty_label=_("— choose —"),
    )
    segment = forms.ModelChoiceField(
        label=_("Customer segment"),
        queryset=CustomerSegment.objects.all(),
        required=False,
        empty_label=_("— choose —"),
    )
    partner_list = forms.FileField(
        label=_("CSV file with a column partner_number"),
        required=False,
        help_text=_(
            "A list is a CSV (or Parquet) file with a column partner_number; unknown, empty and "
            "repeated numbers are listed as rejected rows."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.parquet,.pq"}),
    )

    next_best_action = forms.ChoiceField(
        label=_("Next best action (latest proactive run)"),
        choices=[],
        required=False,
        help_text=_("From the latest 'tenure nba run' over the whole base."),
    )

    uplift_run = forms.ModelChoiceField(
        label=_("Rank by the uplift model"),
        queryset=UpliftRun.objects.none(),
        required=False,
        empty_label=_("— no: everyone the source finds —"),
        help_text=_(
            "Keep only the customers whom the contact is predicted to keep (the persuadables), "
            "highest predicted uplift first."
        ),
    )
    uplift_top = forms.IntegerField(
        label=_("Number of targets with the highest predicted uplift"), min_value=1, required=False
    )
    uplift_share = forms.IntegerField(
        label=_("or: share of those with a positive predicted uplift (%)"),
        min_value=1,
        max_value=100,
        required=False,
    )
    UPLIFT_FIELDS = ("uplift_run", "uplift_top", "uplift_share")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["saved_search"].queryset = visible_saved_searches(user)  # type: ignore[attr-defined]
        from tenure.nextbest.models import Action

        actions = [("", _("— choose —")), *Action.objects.values_list("key", "label")]
        self.fields["next_best_action"].choices = actions  # type: ignore[attr-defined]
        runs = UpliftRun.objects.select_related("campaign").defer("artifact", "figures")
        if user.has_perm("campaigns.view_upliftrun") and runs.exists():
            self.fields["uplift_run"].queryset = runs  # type: ignore[attr-defined]
        else:
            for name in self.UPLIFT_FIELDS:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        needed = {
            "search": "saved_search",
            "segment": "segment",
            "list": "partner_list",
            "next_best_action": "next_best_action",
        }
        field = needed.get(data.get("source") or "")
        if field and not data.get(field):
            self.add_error(field, _("Choose where the targets come from."))
        if data.get("uplift_run") and (data.get("uplift_top") is None) == (
            data.get("uplift_share") is None
        ):
            self.add_error("uplift_top", _("Give either a number of targets or a share."))
        return data


class AssignForm(forms.Form):
    agents = forms.ModelMultipleChoiceField(
        label=_("Agents"), queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    reassign = forms.BooleanField(
        label=_("Also share again open contacts that already have an agent"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agents = User.objects.filter(is_active=True, groups__name=GROUP_NAMES[AGENT])
        self.fields["agents"].queryset = agents.order_by("username")  # type: ignore[attr-defined]
