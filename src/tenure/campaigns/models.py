"""Campaigns of the Customer Retention & Loyalty module (SPEC §2) — for now what the indicators
need: a campaign's type and active period, and which business partners it holds.

The Retention and Caring flags of a partner are derived live from membership in an active campaign
of that type; the campaigns issue adds templates, targeting, control groups and contacts.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tenure.partners.models import BusinessPartner


class Campaign(models.Model):
    class Type(models.TextChoices):
        RETENTION = "retention", _("Retention")
        LOYALTY = "loyalty", _("Loyalty")
        CARING = "caring", _("Caring")

    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=12, choices=Type.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    members: models.ManyToManyField[BusinessPartner, CampaignMember] = models.ManyToManyField(
        BusinessPartner, through="CampaignMember", related_name="campaigns", blank=True
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="campaign_starts_before_it_ends",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_type_display()})"

    def is_running(self, day: dt.date) -> bool:
        """Active and ``day`` within its dates."""
        return (
            self.active and self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)
        )


class CampaignMember(models.Model):
    """A business partner targeted by a campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="memberships")
    partner = models.ForeignKey(
        BusinessPartner, on_delete=models.CASCADE, related_name="campaign_memberships"
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("campaign member")
        verbose_name_plural = _("campaign members")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "partner"], name="campaign_member_once")
        ]
        indexes = [models.Index(fields=["partner", "campaign"], name="member_partner_idx")]

    def __str__(self) -> str:
        return f"{self.partner_id} in {self.campaign_id}"
