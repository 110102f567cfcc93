"""Business partner master data."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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


class Note(models.Model):
    """A free-text note an agent keeps on a partner; pinned notes stay on top of the page."""

    partner = models.ForeignKey(
        BusinessPartner, on_delete=models.CASCADE, related_name="notes", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partner_notes",
        verbose_name=_("author"),
    )
    text = models.TextField(_("note"), max_length=4000)
    pinned = models.BooleanField(_("pinned"), default=False)
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["partner", "-pinned", "-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "-created_at"], name="note_partner_recent_idx")]
        constraints = [models.CheckConstraint(condition=~models.Q(text=""), name="note_has_text")]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.text[:40]}"


class Task(models.Model):
    """A follow-up on a partner for someone to do by a day: open until it is done."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("task status", "Open")
        DONE = "done", pgettext_lazy("task status", "Done")

    partner = models.ForeignKey(
        BusinessPartner, on_delete=models.CASCADE, related_name="tasks", db_index=False
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partner_tasks",
        verbose_name=_("assigned to"),
        db_index=False,
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=4, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["-status", models.F("due_on").asc(nulls_last=True), "id"]  # open first
        permissions = [("complete_any_task", "Can complete or edit any task")]
        indexes = [
            models.Index(fields=["partner", "status", "due_on"], name="task_partner_idx"),
            models.Index(fields=["assignee", "status", "due_on"], name="task_assignee_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(status="open") & models.Q(done_at__isnull=True))
                | (models.Q(status="done") & models.Q(done_at__isnull=False)),
                name="task_done_has_time",
            ),
            models.CheckConstraint(condition=~models.Q(title=""), name="task_has_title"),
        ]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, today: dt.date) -> bool:
        """Open and past its due date (``today`` is the viewer's local day)."""
        return self.status == self.Status.OPEN and self.due_on is not None and self.due_on < today
