"""Retention: propensity model runs (churn, bad debt, any yes/no outcome) and the Customer
Retention & Loyalty indicators (traffic light, NPS) with their history.

Propensity model runs are trained, compared and published.
A run keeps everything needed to judge and reuse it: the data window, the features, the
parameters, the validation metrics beside the baseline's, the plots and the fitted model itself.
Runs are never changed after training except to be published, retired or to record scoring runs;
only the published run of a target scores the customer base.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PropensityRun(models.Model):
    class Target(models.TextChoices):
        CHURN = "churn", _("Churn")
        BAD_DEBT = "bad_debt", _("Bad debt")
        OTHER = "other", _("Other")

    target = models.CharField(_("predicts"), max_length=20, choices=Target.choices)
    name = models.CharField(_("name"), max_length=200)
    model = models.CharField(_("model"), max_length=20)
    data = models.JSONField(_("data"), default=dict, help_text=_("Input files, columns, window."))
    data_from = models.DateField(_("data from"), null=True, blank=True)
    data_to = models.DateField(_("data to"), null=True, blank=True)
    features = models.JSONField(_("features"), default=list)
    parameters = models.JSONField(_("parameters"), default=dict)
    rows_train = models.PositiveIntegerField(_("training rows"))
    rows_valid = models.PositiveIntegerField(_("validation rows"))
    metrics = models.JSONField(_("metrics"), default=dict)
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    artifact = models.BinaryField(_("fitted model"))
    train_seconds = models.FloatField(_("training time (s)"))
    created_by = models.CharField(_("created by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.CharField(_("published by"), max_length=150, blank=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    scored_as_of = models.DateField(_("last scored as of"), null=True, blank=True)
    scored_at = models.DateTimeField(_("last scored"), null=True, blank=True)
    scored_datasets = models.PositiveIntegerField(_("datasets written"), default=0)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("propensity model run")
        verbose_name_plural = _("propensity model runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            # at most one published (and not retired) run per target
            models.UniqueConstraint(
                fields=["target"],
                condition=Q(published_at__isnull=False, retired_at__isnull=True),
                name="one_published_run_per_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.name}"

    @property
    def source(self) -> str:
        """The ``source`` of the customer value datasets this run writes."""
        return f"propensity-run-{self.pk}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None and self.retired_at is None


class TrafficLight(models.TextChoices):
    """The customer's objective situation (SPEC §2); the label always stands beside the colour."""

    RED = "red", _("red – critical")
    YELLOW = "yellow", _("yellow – at risk")
    GREEN = "green", _("green – regular")


class IndicatorRules(models.Model):
    """The thresholds of the automatic traffic light (one row; administrators edit it, audited).

    Red when a partner has at least ``red_missed_payments`` missed payments or
    ``red_major_complaints`` open major complaints; yellow when at least ``yellow_late_payments``
    late payments or ``yellow_open_complaints`` open complaints; green otherwise. A payment is
    missed when it is unpaid ``missed_after_days`` after its due date (or was paid later than
    that); payments count when due within the last ``window_days``.
    """

    window_days = models.PositiveSmallIntegerField(_("look back (days)"), default=180)
    missed_after_days = models.PositiveSmallIntegerField(
        _("missed after (days overdue)"), default=30
    )
    red_missed_payments = models.PositiveSmallIntegerField(_("red from missed payments"), default=1)
    red_major_complaints = models.PositiveSmallIntegerField(
        _("red from open major complaints"), default=1
    )
    yellow_late_payments = models.PositiveSmallIntegerField(
        _("yellow from late payments"), default=1
    )
    yellow_open_complaints = models.PositiveSmallIntegerField(
        _("yellow from open complaints"), default=1
    )
    manual_hold_days = models.PositiveSmallIntegerField(
        _("an operator's or imported light holds (days)"),
        default=30,
        help_text=_("The automatic rules leave a light set by an operator or import this long."),
    )

    class Meta:
        verbose_name = _("traffic light rules")
        verbose_name_plural = _("traffic light rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(window_days__gte=1)
                & Q(red_missed_payments__gte=1)
                & Q(red_major_complaints__gte=1)
                & Q(yellow_late_payments__gte=1)
                & Q(yellow_open_complaints__gte=1),
                name="indicator_rules_at_least_one",
            )
        ]

    def __str__(self) -> str:
        return str(_("Traffic light rules"))


class PartnerIndicator(models.Model):
    """A partner's current traffic light and last NPS (the history is in the tables below)."""

    partner = models.OneToOneField(
        "partners.BusinessPartner",
        verbose_name=_("business partner"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="indicator",
    )
    traffic_light = models.CharField(
        _("traffic light"), max_length=6, choices=TrafficLight.choices, blank=True
    )
    traffic_light_since = models.DateTimeField(_("since"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(_("NPS"), null=True, blank=True)
    nps_at = models.DateTimeField(_("NPS recorded"), null=True, blank=True)

    class Meta:
        verbose_name = _("partner indicators")
        verbose_name_plural = _("partner indicators")
        indexes = [models.Index(fields=["traffic_light"], name="indicator_light_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(nps__isnull=True) | Q(nps__lte=10), name="indicator_nps_0_10"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.traffic_light or '–'} / NPS {self.nps}"


class TrafficLightChange(models.Model):
    """One change of a partner's traffic light: who, when, why, old → new, and which rule fired."""

    class Origin(models.TextChoices):
        RULE = "rule", _("automatic rule")
        IMPORT = "import", _("import")
        OPERATOR = "operator", _("operator")

    partner = models.ForeignKey(
        "partners.BusinessPartner",
        verbose_name=_("business partner"),
        on_delete=models.CASCADE,
        related_name="traffic_light_changes",
    )
    previous = models.CharField(_("from"), max_length=6, choices=TrafficLight.choices, blank=True)
    light = models.CharField(_("to"), max_length=6, choices=TrafficLight.choices)
    origin = models.CharField(_("set by"), max_length=8, choices=Origin.choices)
    reason = models.TextField(_("reason"))
    rule = models.CharField(_("rule"), max_length=200, blank=True)
    changed_by = models.CharField(_("changed by"), max_length=150)
    changed_at = models.DateTimeField(_("changed"), auto_now_add=True)
    import_run = models.ForeignKey(
        "core.ImportRun", null=True, blank=True, on_delete=models.SET_NULL, db_constraint=False
    )

    class Meta:
        verbose_name = _("traffic light change")
        verbose_name_plural = _("traffic light changes")
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["partner", "-changed_at"], name="light_change_partner_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="light_change_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.previous or '–'} → {self.light}"


class NpsRecord(models.Model):
    """An NPS 0..10 recorded by an operator after a conversation (0-6 red, 7-8 yellow, 9-10 green)."""

    partner = models.ForeignKey(
        "partners.BusinessPartner",
        verbose_name=_("business partner"),
        on_delete=models.CASCADE,
        related_name="nps_records",
    )
    score = models.PositiveSmallIntegerField(_("NPS"))
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(
        "auth.User", verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("NPS record")
        verbose_name_plural = _("NPS records")
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(fields=["partner", "-recorded_at"], name="nps_partner_idx"),
            models.Index(fields=["recorded_at"], name="nps_recorded_idx"),
        ]
        constraints = [models.CheckConstraint(condition=Q(score__lte=10), name="nps_score_0_10")]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.score}"

    @property
    def band(self) -> str:
        return nps_band(self.score)


def nps_band(score: int | None) -> str:
    """red (0-6, detractor), yellow (7-8, passive), green (9-10, promoter); "" without a score."""
    if score is None:
        return ""
    return "red" if score <= 6 else ("yellow" if score <= 8 else "green")
