"""Payments and complaints of business partners (SPEC §2): what the automatic traffic-light rules read.

Both arrive by import (file, API batch, demo data) and are keyed by a reference that is unique per
partner: a re-delivered row with the same reference updates the stored one (an invoice gets paid,
a complaint gets closed), an identical one changes nothing. Updates by imports are recorded in the
audit log with their old and new values (see :mod:`tenure.customerdata.services`); edits and
deletions in the admin are recorded by django-auditlog's signals.

Indexes serve the reads of :mod:`tenure.customerdata.selectors`: one partner's payments by due date
and complaints by opening date (the partner page, the counts of one partner), and the whole-base
scans of the traffic-light rules: payments not paid on time in a window of due dates (a partial
index over the few unpaid or late ones) and complaints open on a day (``closed`` null or after it).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tenure.core.models import ImportRun
from tenure.partners.models import BusinessPartner

REFERENCE_LENGTH = 64


class Imported(models.Model):
    """What every imported row carries: the import that wrote or last updated it, and when."""

    import_run = models.ForeignKey(
        ImportRun,
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,  # written by the import that created the run
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported"))

    class Meta:
        abstract = True


class Payment(Imported):
    """One invoice of a partner: when it was due, when (if yet) it was paid, and its amount."""

    partner = models.ForeignKey(
        BusinessPartner,
        verbose_name=_("business partner"),
        on_delete=models.CASCADE,
        related_name="payments",
        db_index=False,  # the unique constraint and the index below start with the partner
    )
    reference = models.CharField(
        _("invoice reference"),
        max_length=REFERENCE_LENGTH,
        help_text=_("Unique per partner: a re-delivery with this reference updates the payment."),
    )
    due_date = models.DateField(_("due date"))
    paid_date = models.DateField(
        _("paid date"), null=True, blank=True, help_text=_("Empty while the invoice is unpaid.")
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["partner", "-due_date", "-id"]
        indexes = [
            models.Index(fields=["partner", "-due_date"], name="payment_partner_due_idx"),
            models.Index(
                fields=["due_date"],
                condition=Q(paid_date__isnull=True) | Q(paid_date__gt=F("due_date")),
                name="payment_not_on_time_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["partner", "reference"], name="payment_reference_once"),
            models.CheckConstraint(condition=~Q(reference=""), name="payment_reference_not_empty"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} (due {self.due_date})"


class Complaint(Imported):
    """One complaint of a partner: opened, closed (empty while open) and its severity."""

    class Severity(models.TextChoices):
        MINOR = "minor", _("minor")
        MAJOR = "major", _("major")

    partner = models.ForeignKey(
        BusinessPartner,
        verbose_name=_("business partner"),
        on_delete=models.CASCADE,
        related_name="complaints",
        db_index=False,  # the unique constraint and the index below start with the partner
    )
    reference = models.CharField(
        _("complaint reference"),
        max_length=REFERENCE_LENGTH,
        help_text=_("Unique per partner: a re-delivery with this reference updates the complaint."),
    )
    opened = models.DateField(_("opened"))
    closed = models.DateField(
        _("closed"), null=True, blank=True, help_text=_("Empty while the complaint is open.")
    )
    severity = models.CharField(_("severity"), max_length=5, choices=Severity.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["partner", "-opened", "-id"]
        indexes = [
            models.Index(fields=["partner", "-opened"], name="complaint_partner_opened_idx"),
            # open on a day D: closed IS NULL OR closed > D (two ranges of this index)
            models.Index(fields=["closed", "opened"], name="complaint_closed_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "reference"], name="complaint_reference_once"
            ),
            models.CheckConstraint(
                condition=~Q(reference=""), name="complaint_reference_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(closed__isnull=True) | Q(closed__gte=F("opened")),
                name="complaint_closed_not_before_opened",
            ),
            models.CheckConstraint(
                condition=Q(severity__in=["minor", "major"]), name="complaint_severity_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_severity_display()}, opened {self.opened})"


class Product(models.Model):
    """A product or service a partner can hold (tariff, insurance, add-on): the items of the
    product recommendations. Kept by the administrator; the category and features are what
    content filtering compares."""

    key = models.SlugField(
        _("key"), max_length=40, unique=True, help_text=_("Used in holdings imports and rules.")
    )
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=60)
    features = models.CharField(
        _("features"),
        max_length=200,
        blank=True,
        help_text=_("Comma-separated attributes, e.g. 'green, fixed price, 24 months'."),
    )
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Only active products are recommended.")
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name

    def feature_list(self) -> list[str]:
        return [part.strip().lower() for part in self.features.split(",") if part.strip()]


class ProductHolding(Imported):
    """A contract of a partner for a product: from ``started``, until ``ended`` (empty while
    held). Imported like payments, keyed by the contract reference per partner."""

    partner = models.ForeignKey(
        BusinessPartner,
        verbose_name=_("business partner"),
        on_delete=models.CASCADE,
        related_name="holdings",
        db_index=False,  # the unique constraint starts with the partner
    )
    reference = models.CharField(
        _("contract reference"),
        max_length=REFERENCE_LENGTH,
        help_text=_("Unique per partner: a re-delivery with this reference updates the holding."),
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="holdings"
    )
    started = models.DateField(_("started"))
    ended = models.DateField(
        _("ended"), null=True, blank=True, help_text=_("Empty while the partner holds it.")
    )

    class Meta:
        verbose_name = _("product holding")
        verbose_name_plural = _("product holdings")
        ordering = ["partner", "-started", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "reference"], name="holding_reference_once"),
            models.CheckConstraint(condition=~Q(reference=""), name="holding_reference_not_empty"),
            models.CheckConstraint(
                condition=Q(ended__isnull=True) | Q(ended__gte=F("started")),
                name="holding_ended_not_before_started",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.product_id} since {self.started}"
