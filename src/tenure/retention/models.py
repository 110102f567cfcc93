"""Propensity model runs (churn, bad debt, any yes/no outcome): trained, compared, published.

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
