"""Customer value datasets (SPEC §1.1) and their key tables: customer segment and churn risk class.

Datasets are appended, never overwritten; the most current one is the greatest ``as_of``, ties
broken by the latest import (the greater id, since ids grow with every import).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
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


_CURRENT_FIELDS = frozenset({"partner", "partner_id", "as_of", "segment", "segment_id",
                             "customer_value", "risk_class", "risk_class_id", "churn_score",
                             "bad_debt_score", "clv", "probability_alive"})  # fmt: skip
"""Fields of a dataset that its partner's current row depends on."""


class DatasetQuerySet(models.QuerySet["CustomerValueDataset"]):
    """Bulk ORM writes that keep each partner's current row (:class:`CurrentCustomerValue`)."""

    def update(self, **kwargs: Any) -> int:
        if not _CURRENT_FIELDS & kwargs.keys():
            return super().update(**kwargs)
        from tenure.customervalue.current import current_values_refresh

        with transaction.atomic(using=self.db):
            touched = list(self.values_list("pk", "partner_id"))
            updated = super().update(**kwargs)
            partners = {partner_id for _, partner_id in touched}
            if {"partner", "partner_id"} & kwargs.keys():  # moved: the new partners too
                moved = CustomerValueDataset.objects.filter(pk__in=[pk for pk, _ in touched])
                partners.update(moved.values_list("partner_id", flat=True))
            current_values_refresh(partner_ids=partners)
        return updated

    def bulk_create(self, objs: Iterable[CustomerValueDataset], *args: Any, **kwargs: Any) -> Any:
        from tenure.customervalue.current import current_values_refresh

        objs = list(objs)
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            current_values_refresh(partner_ids={obj.partner_id for obj in objs})
        return created


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
    clv = models.FloatField(_("customer lifetime value"), null=True, blank=True)
    probability_alive = models.FloatField(_("probability alive"), null=True, blank=True)
    expected_purchases = models.FloatField(_("expected purchases"), null=True, blank=True)
    reasons = models.JSONField(
        _("reasons"),
        null=True,
        blank=True,
        help_text=_("Why the churn score is what it is: the model's top reasons in plain words."),
    )
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

    objects = DatasetQuerySet.as_manager()

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
            models.CheckConstraint(
                condition=Q(probability_alive__isnull=True)
                | Q(probability_alive__gte=0, probability_alive__lte=1),
                name="dataset_probability_alive_0_1",
            ),
            models.CheckConstraint(
                condition=Q(clv__isnull=True) | Q(clv__gte=0), name="dataset_clv_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(expected_purchases__isnull=True) | Q(expected_purchases__gte=0),
                name="dataset_expected_purchases_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.as_of} {self.segment_id}/{self.risk_class_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # one transaction with the signal that updates the partner's current row
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)


class CurrentCustomerValue(models.Model):
    """A business partner's most current dataset (greatest as-of, then greatest id) and the
    values searches and worklists filter and sort on: one row per partner that has a dataset.

    Derived data, kept equal to that definition by every write of datasets
    (:mod:`tenure.customervalue.current`); readers join it by partner instead of walking
    ``dataset_current_idx`` once per partner (8x faster at 1M partners, docs/benchmarks.md).
    """

    partner = models.OneToOneField(
        BusinessPartner,
        verbose_name=_("business partner"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="current_value",
    )
    # No database foreign key to the dataset: the row is rewritten in the very transaction that
    # inserts or deletes its dataset, and a constraint would be checked row by row on every import
    # (~3 s per million rows, docs/benchmarks.md §1). DO_NOTHING: deleting a dataset recomputes
    # the row (a signal) rather than cascading to it. Segment and risk class as on the dataset.
    dataset = models.ForeignKey(
        CustomerValueDataset,
        verbose_name=_("customer value dataset"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    as_of = models.DateField(_("as of"))
    segment = models.ForeignKey(
        CustomerSegment,
        verbose_name=_("customer segment"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    customer_value = models.PositiveSmallIntegerField(_("customer value"), null=True, blank=True)
    risk_class = models.ForeignKey(
        ChurnRiskClass,
        verbose_name=_("churn risk class"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    churn_score = models.PositiveSmallIntegerField(_("churn score"), null=True, blank=True)
    bad_debt_score = models.FloatField(_("bad debt score"), null=True, blank=True)
    clv = models.FloatField(_("customer lifetime value"), null=True, blank=True)
    probability_alive = models.FloatField(_("probability alive"), null=True, blank=True)

    class Meta:
        verbose_name = _("current customer value")
        verbose_name_plural = _("current customer values")

    def __str__(self) -> str:
        return f"{self.partner_id}: dataset {self.dataset_id} ({self.as_of})"


class CustomerValueRule(models.Model):
    """How a scoring run turns CLV into customer value 1..10 (one row; administrators edit it).

    By deciles, the top tenth of the scored base gets 10; by thresholds, nine ascending CLV
    amounts separate the values 1..10. Horizon and discount rate define the CLV itself.
    """

    class Method(models.TextChoices):
        DECILES = "deciles", _("deciles of the scored customers")
        THRESHOLDS = "thresholds", _("CLV thresholds")

    method = models.CharField(
        _("method"), max_length=10, choices=Method.choices, default=Method.DECILES
    )
    cut_points = models.JSONField(
        _("CLV thresholds"),
        default=list,
        blank=True,
        help_text=_("Nine ascending amounts: value 2 from the first, …, value 10 from the last."),
    )
    horizon_months = models.PositiveSmallIntegerField(_("CLV horizon (months)"), default=12)
    annual_discount_rate = models.FloatField(_("annual discount rate"), default=0.10)

    class Meta:
        verbose_name = _("customer value rule")
        verbose_name_plural = _("customer value rule")
        constraints = [
            models.CheckConstraint(
                condition=Q(horizon_months__gte=1, horizon_months__lte=120),
                name="value_rule_horizon_1_120",
            ),
            models.CheckConstraint(
                condition=Q(annual_discount_rate__gte=0, annual_discount_rate__lt=1),
                name="value_rule_discount_0_1",
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_method_display())

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from tenure.analytics.clv.scoring import check_cut_points

        if self.method == self.Method.THRESHOLDS:
            try:
                check_cut_points(self.cut_points)
            except (TypeError, ValueError) as exc:
                raise ValidationError({"cut_points": str(exc)}) from None

    @property
    def monthly_discount_rate(self) -> float:
        return float((1 + self.annual_discount_rate) ** (1 / 12) - 1)


class SegmentRule(models.Model):
    """A customer segment applies from this customer value upwards (up to the next segment's)."""

    segment = models.OneToOneField(
        CustomerSegment, verbose_name=_("customer segment"), on_delete=models.CASCADE
    )
    min_customer_value = models.PositiveSmallIntegerField(_("from customer value"), unique=True)

    class Meta:
        verbose_name = _("segment rule")
        verbose_name_plural = _("segment rules")
        ordering = ["-min_customer_value"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_customer_value__gte=1, min_customer_value__lte=10),
                name="segment_rule_value_1_10",
            )
        ]

    def __str__(self) -> str:
        return f"{self.segment_id} ≥ {self.min_customer_value}"


class RiskClassRule(models.Model):
    """A churn risk class applies from this churn score upwards (up to the next class's)."""

    risk_class = models.OneToOneField(
        ChurnRiskClass, verbose_name=_("churn risk class"), on_delete=models.CASCADE
    )
    min_churn_score = models.PositiveSmallIntegerField(_("from churn score"), unique=True)

    class Meta:
        verbose_name = _("risk class rule")
        verbose_name_plural = _("risk class rules")
        ordering = ["min_churn_score"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_churn_score__lte=100), name="risk_rule_score_0_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.risk_class_id} ≥ {self.min_churn_score}"


class ModelRun(models.Model):
    """One fitted scoring model: data window, parameters, fit quality and plots; never changed
    after fitting except to record its scoring runs. Datasets it scored have source ``run.source``.
    """

    class Kind(models.TextChoices):
        CLV = "clv", _("Customer lifetime value")

    class Status(models.TextChoices):
        FITTED = "fitted", _("fitted")
        SCORING = "scoring", _("scoring")
        SCORED = "scored", _("scored")
        INTERRUPTED = "interrupted", _("scoring interrupted")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CLV)
    model = models.CharField(_("model"), max_length=20)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.FITTED
    )
    settings = models.JSONField(_("input"), default=dict)
    time_unit = models.CharField(_("time unit"), max_length=1, default="W")
    first_purchase = models.DateField(_("data from"))
    calibration_end = models.DateField(_("calibration end"))
    holdout_end = models.DateField(_("hold-out end"), null=True, blank=True)
    customers = models.PositiveIntegerField(_("customers"))
    parameters = models.JSONField(_("parameters"))
    log_likelihood = models.FloatField(_("log-likelihood"))
    spend_model = models.JSONField(_("spend model"), null=True, blank=True)
    holdout = models.JSONField(_("hold-out check"), null=True, blank=True)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    fit_seconds = models.FloatField(_("fit time (s)"))
    created_by = models.CharField(_("created by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    scored_as_of = models.DateField(_("last scored as of"), null=True, blank=True)
    scored_at = models.DateTimeField(_("last scored"), null=True, blank=True)
    scored_datasets = models.PositiveIntegerField(_("datasets written"), default=0)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("model run")
        verbose_name_plural = _("model runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source} {self.model} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def source(self) -> str:
        """The ``source`` of the customer value datasets this run writes."""
        return f"model-run-{self.pk}"
