"""Retention, Loyalty and Caring campaigns (SPEC §2): templates, campaigns, their contacts.

A campaign is duplicated from a template and personalised; populating it adds one contact per
target business partner, a seeded random share of them held out as the control group (never
contacted). Agents work the contacts of the treated group; effectiveness compares how many of
each group stayed (``BusinessPartner.left_on``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tenure.campaigns.sources import source_display
from tenure.partners.models import BusinessPartner, Channel


def new_control_seed() -> int:
    """A fresh seed for a campaign's control-group draw."""
    return secrets.randbelow(2**31)


class CampaignType(models.TextChoices):
    RETENTION = "retention", _("Retention")
    LOYALTY = "loyalty", _("Loyalty")
    CARING = "caring", _("Caring")


class ActionKind(models.TextChoices):
    """What the campaign offers: the object of the marketing action."""

    PRIZE = "prize", _("Prize")
    DISCOUNT = "discount", _("Discount")
    PREMIUM_SERVICE = "premium_service", _("Premium service")
    INFORMATION = "information", _("Information or courtesy call")
    OTHER = "other", _("Other")


class CampaignContent(models.Model):
    """What a template and a campaign share: the offer, the script, the channel and the cost."""

    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=12, choices=CampaignType.choices)
    action_kind = models.CharField(
        _("object of the action"), max_length=20, choices=ActionKind.choices, default="other"
    )
    action_object = models.CharField(
        _("offer"), max_length=300, blank=True, help_text=_("For example: 10 % off for 12 months.")
    )
    script = models.TextField(
        _("call script"),
        blank=True,
        help_text=_(
            "Markdown. Placeholders: {name}, {partner_number}, {city}, {segment}, "
            "{customer_value}, {churn_score}, {offer}, {agent}."
        ),
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE
    )
    cost_per_contact = models.DecimalField(
        _("cost per contact"),
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class CampaignTemplate(CampaignContent):
    """A model campaign that the retention team duplicates and personalises."""

    duration_days = models.PositiveSmallIntegerField(
        _("default duration (days)"), default=30, validators=[MinValueValidator(1)]
    )
    active = models.BooleanField(_("offered for new campaigns"), default=True)

    class Meta:
        verbose_name = _("campaign template")
        verbose_name_plural = _("campaign templates")
        ordering = ["type", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_type_display()})"


class Campaign(CampaignContent):
    Type = CampaignType

    description = models.TextField(_("description"), blank=True)
    template = models.ForeignKey(
        CampaignTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("template"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_campaigns",
        verbose_name=_("owner"),
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    control_share = models.FloatField(
        _("control group share"),
        default=0.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(0.9)],
        help_text=_("Share of each populated batch held out at random and never contacted."),
    )
    control_seed = models.PositiveIntegerField(
        _("control group seed"),
        default=new_control_seed,
        help_text=_("Recorded so that the draw can be reproduced."),
    )
    members: models.ManyToManyField[BusinessPartner, Contact] = models.ManyToManyField(
        BusinessPartner, through="Contact", related_name="campaigns", blank=True
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="campaign_starts_before_it_ends",
                violation_error_message=_("The campaign must end on or after the day it starts."),
            ),
            models.CheckConstraint(
                condition=Q(control_share__gte=0) & Q(control_share__lte=0.9),
                name="campaign_control_share_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_type_display()})"

    def get_absolute_url(self) -> str:
        return reverse("campaigns:detail", kwargs={"pk": self.pk})

    def is_running(self, day: dt.date) -> bool:
        """Active and ``day`` within its dates."""
        return (
            self.active and self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)
        )


class Contact(models.Model):
    """One target of a campaign: worked by an agent unless it is in the control group."""

    class Group(models.TextChoices):
        TREATED = "treated", _("Contacted group")
        CONTROL = "control", _("Control group")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("contact status", "Open")
        IN_PROGRESS = "in_progress", pgettext_lazy("contact status", "In progress")
        REACHED = "reached", pgettext_lazy("contact status", "Reached")
        NOT_REACHED = "not_reached", pgettext_lazy("contact status", "Not reached")
        DONE = "done", pgettext_lazy("contact status", "Done")

    class Outcome(models.TextChoices):
        NONE = "", _("No outcome yet")
        RETAINED = "retained", _("Retained")
        CHURNED = "churned", _("Churned")
        ACCEPTED_OFFER = "accepted_offer", _("Accepted offer")
        REFUSED = "refused", _("Refused")
        CALLBACK = "callback", _("Call back")

    # The foreign keys' own indexes are left out: the composite indexes below lead with them.
    # They have no constraint in the database either: populating inserts up to hundreds of
    # thousands of contacts in one statement, and PostgreSQL checks such a constraint row by
    # row (454,000 contacts: +5–6 s for the campaign and the partner, docs/benchmarks.md §7;
    # +0.3 s for the agent, checked even when empty). The populate's insert joins the partners
    # and holds the campaign's lock; deleting a partner, a campaign or a user goes through
    # Django, which deletes the contacts or empties their agent
    # (campaigns/tests/test_contact_integrity.py).
    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("campaign"),
        db_index=False,
        db_constraint=False,
    )
    partner = models.ForeignKey(
        BusinessPartner,
        on_delete=models.CASCADE,
        related_name="campaign_contacts",
        verbose_name=_("business partner"),
        db_index=False,
        db_constraint=False,
    )
    group = models.CharField(
        _("group"), max_length=10, choices=Group.choices, default=Group.TREATED
    )
    source = models.CharField(
        _("added from"), max_length=200, blank=True, help_text=_("Search, segment or list.")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default="", blank=True
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="campaign_contacts",
        verbose_name=_("agent"),
        db_index=False,
        db_constraint=False,
    )
    # the partner's current customer value row, joined by partner id without a column of its own,
    # so that the worklist filters and sorts by it without joining the partners (null: a partner
    # may have no dataset yet)
    current_value = models.ForeignObject(
        "customervalue.CurrentCustomerValue",
        on_delete=models.DO_NOTHING,
        from_fields=["partner"],
        to_fields=["partner"],
        null=True,
        related_name="+",
    )
    # What the customer looked like when targeted (taken when the contact is added, never
    # updated): the reason they are in the campaign, and what the worklist filters and sorts by
    # from its own indexes instead of reading every contact's current dataset. Empty: no dataset.
    targeted_segment = models.CharField(_("segment when targeted"), max_length=10, null=True)
    targeted_risk_class = models.CharField(_("risk class when targeted"), max_length=10, null=True)
    targeted_churn_score = models.PositiveSmallIntegerField(
        _("churn score when targeted"), null=True
    )
    targeted_customer_value = models.PositiveSmallIntegerField(
        _("customer value when targeted"), null=True
    )
    # the partner's number and name in lower case as they were when targeted: the worklist's
    # free text matches their beginnings through an index
    search_number = models.CharField(max_length=30, default="", db_default="", editable=False)
    search_name = models.CharField(max_length=200, default="", db_default="", editable=False)
    notes = models.TextField(_("notes"), blank=True)
    callback_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    added_at = models.DateTimeField(_("added"), auto_now_add=True)
    worked_at = models.DateTimeField(_("first worked"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("campaign contact")
        verbose_name_plural = _("campaign contacts")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "partner"], name="campaign_contact_once"),
            models.CheckConstraint(
                condition=Q(group="treated") | (Q(status="open") & Q(outcome="")),
                name="control_group_never_contacted",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "campaign"], name="contact_partner_idx"),
            models.Index(fields=["campaign", "group", "status"], name="contact_campaign_idx"),
            # An agent's worklist and column filters are counted from this index alone; assigned
            # contacts only, so that populating does not pay for it (the unassigned ones are
            # found by their campaign)
            models.Index(
                fields=[
                    "agent",
                    "status",
                    "group",
                    "campaign",
                    "targeted_segment",
                    "targeted_churn_score",
                ],
                name="contact_agent_filter_idx",
                condition=Q(agent__isnull=False),
            ),
        ]
        # and, made in migration 0007 for each database (Django cannot declare them so):
        # contact_agent_churn_idx (agent, churn score when targeted with empty ones first, id;
        # assigned contacts only), and the free text's contact_search_number_idx and
        # contact_search_name_idx (on PostgreSQL with the pattern operator class and for
        # assigned contacts only; SQLite cannot use partial indexes for the two arms of an OR)

    def __str__(self) -> str:
        return f"{self.partner_id} in {self.campaign_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and not self.search_number:
            self.take_targeting_snapshot()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("campaigns:contact", kwargs={"pk": self.pk})

    def take_targeting_snapshot(self) -> None:
        """Copy the partner's current values, number and name onto a contact being added."""
        from tenure.customervalue.models import CurrentCustomerValue

        current = CurrentCustomerValue.objects.filter(partner_id=self.partner_id).first()
        partner = BusinessPartner.objects.only("number", "name").get(pk=self.partner_id)
        self.search_number = partner.number.lower()
        self.search_name = partner.name.lower()
        if current is not None:
            self.targeted_segment = current.segment_id
            self.targeted_risk_class = current.risk_class_id
            self.targeted_churn_score = current.churn_score
            self.targeted_customer_value = current.customer_value


class CampaignSettings(models.Model):
    """Admin settings for populating campaigns (a single row)."""

    contact_pressure_days = models.PositiveSmallIntegerField(
        _("contact pressure window (days)"),
        default=30,
        help_text=_("Partners contacted by any campaign within this many days are left out."),
    )
    opt_in_channels = models.JSONField(
        _("channels that need an explicit consent"),
        default=list,
        blank=True,
        help_text=_(
            "For these channels only partners with a granted consent are targeted; for the "
            "others, everyone except partners who refused."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("campaign settings")
        verbose_name_plural = _("campaign settings")

    def __str__(self) -> str:
        return str(_("Campaign settings"))

    @classmethod
    def current(cls) -> CampaignSettings:
        settings_row, _created = cls.objects.get_or_create(
            pk=1, defaults={"opt_in_channels": [Channel.EMAIL, Channel.SMS]}
        )
        return settings_row


class Population(models.Model):
    """One batch of targets added to a campaign: where from, what was left out and why (audit)."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="populations", verbose_name=_("campaign")
    )
    source = models.CharField(_("added from"), max_length=200)
    matched = models.PositiveIntegerField(_("matched"))
    excluded = models.JSONField(_("left out, by reason"), default=dict)
    added_treated = models.PositiveIntegerField(_("added to the contacted group"))
    added_control = models.PositiveIntegerField(_("added to the control group"))
    control_share = models.FloatField(_("control group share"))
    control_seed = models.PositiveIntegerField(_("control group seed"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("campaign population")
        verbose_name_plural = _("campaign populations")
        ordering = ["campaign", "created_at"]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.source}"

    @property
    def source_display(self) -> str:
        """Where the targets came from, its kind in the active language."""
        return source_display(self.source)


class UpliftRun(models.Model):
    """An uplift model learned from a finished campaign's contacted and control groups.

    Features are read as they stood before the campaign started; the outcome is whether the
    partner was still a customer on the measurement day (``as_of``). The model is fitted on a
    stratified training part of the targets and judged on the held-out rest (Qini coefficient,
    AUUC, uplift by decile); the run keeps the fitted model to score partners for the next
    campaign (see :mod:`tenure.campaigns.uplift`).
    """

    class Method(models.TextChoices):
        TWO_MODEL = "two_model", _("Two models (contacted and control)")
        CLASS_TRANSFORMATION = "class_transformation", _("Class transformation")

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="uplift_runs", verbose_name=_("campaign")
    )
    method = models.CharField(_("method"), max_length=24, choices=Method.choices)
    as_of = models.DateField(
        _("outcome measured on"), help_text=_("Retained: not left by this day.")
    )
    features = models.JSONField(_("features"), default=list)
    parameters = models.JSONField(_("parameters"), default=dict)
    metrics = models.JSONField(_("metrics"), default=dict)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    artifact = models.BinaryField(_("fitted model"))
    rows_train = models.PositiveIntegerField(_("training rows"))
    rows_test = models.PositiveIntegerField(_("held-out rows"))
    train_seconds = models.FloatField(_("training time (s)"))
    created_by = models.CharField(_("created by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("uplift model run")
        verbose_name_plural = _("uplift model runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"uplift run {self.pk}: {self.campaign.name}"

    def get_absolute_url(self) -> str:
        return reverse("campaigns:uplift-run", kwargs={"pk": self.pk})
