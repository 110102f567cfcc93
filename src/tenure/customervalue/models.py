"""Customer value datasets (SPEC §1.1) and their key tables: customer segment and churn risk class.

Datasets are appended, never overwritten; the most current one is the greatest ``as_of``, ties
broken by the latest import (the greater id, since ids grow with every import).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tenure.core.models import ImportRun
from tenure.partners.models import BusinessPartner


class Colour(models.TextChoices):
    """Badge colours; the label always stands beside the colour."""

    GREEN = "green", _("green")
    YELLOW = "yellow", _("yellow")
    ORANGE = "orange", _("orange")
    RED = "red", _("red")
    GREY = "grey", _("grey")


class KeyTable(models.Model):
    """A configurable key table: key, label for people, badge colour, display position."""

    key = models.CharField(_("key"), max_length=10, primary_key=True)
    label = models.CharField(_("label"), max_length=100)
    colour = models.CharField(_("colour"), max_length=10, choices=Colour.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "key"]

    def __str__(self) -> str:
        return f"{self.key} – {self.label}"


class CustomerSegment(KeyTable):
    """Key table: customer segment (A..D delivered); an administrator may add keys."""

    class Meta(KeyTable.Meta):
        verbose_name = _("customer segment")
        verbose_name_plural = _("customer segments")
        constraints = [models.CheckConstraint(condition=~Q(key=""), name="segment_key_not_empty")]


class ChurnRiskClass(KeyTable):
    """Key table: churn risk class (1..4 = low, medium, high, very high delivered)."""

    class Meta(KeyTable.Meta):
        verbose_name = _("churn risk class")
        verbose_name_plural = _("churn risk classes")
        constraints = [models.CheckConstraint(condition=~Q(key=""), name="risk_key_not_empty")]


class CustomerValueDataset(models.Model):
    """One delivery of customer value information for one business partner."""

    partner = models.ForeignKey(
        BusinessPartner,
        verbose_name=_("business partner"),
        on_delete=models.CASCADE,
        related_name="customer_value_datasets",
        db_index=False,  # the composite indexes below start with the partner
    )
    as_of = models.DateField(_("as of"))
    # The key-table references have no index (four values each, never looked up by themselves) and
    # no database foreign key: every import validates them, and deleting a key is refused by Django
    # (PROTECT). A foreign-key check per row would cost ~3 s per million imported rows
    # (docs/benchmarks.md). The partner keeps its database foreign key.
    segment = models.ForeignKey(
        CustomerSegment,
        verbose_name=_("customer segment"),
        on_delete=models.PROTECT,
        db_index=False,
        db_constraint=False,
    )
    customer_value = models.PositiveSmallIntegerField(_("customer value"), null=True, blank=True)
    risk_class = models.ForeignKey(
        ChurnRiskClass,
        verbose_name=_("churn risk class"),
        on_delete=models.PROTECT,
        db_index=False,
        db_constraint=False,
    )
    churn_score = models.PositiveSmallIntegerField(_("churn score"), null=True, blank=True)
    bad_debt_score = models.FloatField(_("bad debt score"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=100)
    import_run = models.ForeignKey(
        ImportRun,
        verbose_name=_("import"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,  # written by the import that created the run (see above)
    )
    imported_at = models.DateTimeField(_("imported"))
    fingerprint = models.BigIntegerField(
        _("fingerprint"), help_text=_("Hash of the delivered values: re-imports add nothing.")
    )

    class Meta:
        verbose_name = _("customer value dataset")
        verbose_name_plural = _("customer value datasets")
        ordering = ["partner", "-as_of", "-id"]
        indexes = [models.Index(fields=["partner", "-as_of", "-id"], name="dataset_current_idx")]
        constraints = [
            models.UniqueConstraint(fields=["partner", "fingerprint"], name="dataset_once"),
            models.CheckConstraint(
                condition=Q(customer_value__isnull=True)
                | Q(customer_value__gte=1, customer_value__lte=10),
                name="dataset_customer_value_1_10",
            ),
            models.CheckConstraint(
                condition=Q(churn_score__isnull=True) | Q(churn_score__gte=0, churn_score__lte=100),
                name="dataset_churn_score_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.as_of} {self.segment_id}/{self.risk_class_id}"
