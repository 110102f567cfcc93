"""Recommendations for action: rules that say what to do for which customers (SPEC §1.2)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tenure.customervalue.models import ChurnRiskClass, CustomerSegment


class RecommendationType(models.Model):
    """Key table: the option of a recommendation (Text, Tariff, Campaign, Discount delivered)."""

    key = models.CharField(_("key"), max_length=20, primary_key=True)
    label = models.CharField(_("label"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("recommendation type")
        verbose_name_plural = _("recommendation types")
        ordering = ["position", "key"]
        constraints = [models.CheckConstraint(condition=~Q(key=""), name="guidancetype_not_empty")]

    def __str__(self) -> str:
        return str(self.label)


class Recommendation(models.Model):
    """A recommendation for action, shown when every condition holds for the current dataset.

    Empty optional conditions match anything; empty range bounds are open; validity is inclusive.
    Shown ordered by ``priority`` (empty last), then by key.
    """

    key = models.CharField(_("key"), max_length=40, primary_key=True)
    option = models.ForeignKey(
        RecommendationType, verbose_name=_("option"), on_delete=models.PROTECT
    )
    segment = models.ForeignKey(
        CustomerSegment, verbose_name=_("customer segment"), on_delete=models.PROTECT
    )
    risk_class = models.ForeignKey(
        ChurnRiskClass, verbose_name=_("churn risk class"), on_delete=models.PROTECT
    )
    customer_value = models.PositiveSmallIntegerField(
        _("customer value"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("Empty: any customer value."),
    )
    churn_score_from = models.PositiveSmallIntegerField(
        _("churn score from"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    churn_score_to = models.PositiveSmallIntegerField(
        _("churn score to"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    bad_debt_score_from = models.FloatField(_("bad debt score from"), null=True, blank=True)
    bad_debt_score_to = models.FloatField(_("bad debt score to"), null=True, blank=True)
    text = models.TextField(_("recommendation for action"))
    discount = models.DecimalField(
        _("discount absolute"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Empty: unlimited.")
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), null=True, blank=True, help_text=_("Lower first; empty: after, by key.")
    )

    class Meta:
        verbose_name = _("recommendation for action")
        verbose_name_plural = _("recommendations for action")
        ordering = [F("priority").asc(nulls_last=True), "key"]
        constraints = [
            models.CheckConstraint(condition=~Q(key=""), name="guidance_key_not_empty"),
            models.CheckConstraint(condition=~Q(text=""), name="guidance_text_not_empty"),
            models.CheckConstraint(
                condition=Q(customer_value__isnull=True)
                | Q(customer_value__gte=1, customer_value__lte=10),
                name="guidance_customer_value_1_10",
            ),
            models.CheckConstraint(
                condition=Q(churn_score_from__isnull=True) | Q(churn_score_from__lte=100),
                name="guidance_churn_from_0_100",
            ),
            models.CheckConstraint(
                condition=Q(churn_score_to__isnull=True) | Q(churn_score_to__lte=100),
                name="guidance_churn_to_0_100",
            ),
            models.CheckConstraint(
                condition=Q(churn_score_from__isnull=True)
                | Q(churn_score_to__isnull=True)
                | Q(churn_score_from__lte=F("churn_score_to")),
                name="guidance_churn_from_le_to",
            ),
            models.CheckConstraint(
                condition=Q(bad_debt_score_from__isnull=True)
                | Q(bad_debt_score_to__isnull=True)
                | Q(bad_debt_score_from__lte=F("bad_debt_score_to")),
                name="guidance_bad_debt_from_le_to",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_from__lte=F("valid_to")),
                name="guidance_valid_from_le_to",
            ),
            models.CheckConstraint(
                condition=Q(discount__isnull=True) | Q(discount__gte=0),
                name="guidance_discount_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(self.key)

    def clean(self) -> None:
        errors = {}
        pairs = (
            ("churn_score_from", "churn_score_to", _("must not be greater than churn score to")),
            (
                "bad_debt_score_from",
                "bad_debt_score_to",
                _("must not be greater than bad debt score to"),
            ),
            ("valid_from", "valid_to", _("must not be after valid until")),
        )
        for low_name, high_name, message in pairs:
            low, high = getattr(self, low_name), getattr(self, high_name)
            if low is not None and high is not None and low > high:
                errors[low_name] = message
        if errors:
            raise ValidationError(errors)
