"""Business partner master data."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class BusinessPartner(models.Model):
    """A customer: a person or an organisation, identified by its partner number."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANISATION = "organisation", _("Organisation")

    number = models.CharField(_("partner number"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PERSON)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166 code"))
    email = models.EmailField(_("e-mail"), blank=True)
    customer_since = models.DateField(
        _("customer since"), null=True, blank=True, help_text=_("Start of the relationship.")
    )
    left_on = models.DateField(
        _("left on"),
        null=True,
        blank=True,
        help_text=_("End of the relationship (churn); campaigns measure retention by it."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("business partner")
        verbose_name_plural = _("business partners")
        ordering = ["number"]
        indexes = [models.Index(fields=["name"], name="partner_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(customer_since__isnull=True)
                | models.Q(left_on__gte=models.F("customer_since")),
                name="partner_joins_before_leaving",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    def get_absolute_url(self) -> str:
        return reverse("partners:detail", kwargs={"number": self.number})

    @property
    def address(self) -> str:
        place = " ".join(part for part in (self.postcode, self.city) if part)
        return ", ".join(part for part in (self.street, place, self.country) if part)


class PartnerPhoneNumber(models.Model):
    """A phone number of a partner, stored in E.164 so that inbound calls find the caller by index."""

    partner = models.ForeignKey(
        BusinessPartner, on_delete=models.CASCADE, related_name="phone_numbers"
    )
    e164 = models.CharField(_("phone number (E.164)"), max_length=20, db_index=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        ordering = ["partner", "position"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "e164"], name="partner_phone_unique"),
            models.CheckConstraint(
                condition=models.Q(e164__startswith="+"), name="partner_phone_e164"
            ),
        ]

    def __str__(self) -> str:
        return str(self.e164)


class Channel(models.TextChoices):
    """Ways to contact a partner; campaigns and contact consent use the same list."""

    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    SMS = "sms", _("SMS")


class ChannelConsent(models.Model):
    """Whether the partner agreed to (or refused) marketing contact over a channel, and since when."""

    partner = models.ForeignKey(BusinessPartner, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    granted = models.BooleanField(_("granted"))
    recorded_at = models.DateTimeField(_("recorded"))
    source = models.CharField(_("source"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("contact consent")
        verbose_name_plural = _("contact consents")
        ordering = ["partner", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "channel"], name="consent_once_per_channel")
        ]
        indexes = [
            models.Index(fields=["channel", "granted", "partner"], name="consent_channel_idx")
        ]

    def __str__(self) -> str:
        state = _("granted") if self.granted else _("refused")
        return f"{self.partner_id} {self.channel}: {state}"
