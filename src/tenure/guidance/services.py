"""Recommendations for action: which fit a dataset today (and why the others do not), and edits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from tenure.guidance.matching import DatasetLike, FailedCondition, failed_conditions
from tenure.guidance.models import Recommendation


@dataclass(frozen=True)
class RuleExplanation:
    """A rule and the conditions it failed for a dataset (none: it matched)."""

    rule: Recommendation
    failed: list[FailedCondition]

    @property
    def matched(self) -> bool:
        return not self.failed


def guidance_explain(*, dataset: DatasetLike, today: dt.date) -> list[RuleExplanation]:
    """Every rule in display order, each with the conditions it failed."""
    rules = Recommendation.objects.select_related("option")
    return [RuleExplanation(rule, failed_conditions(rule, dataset, today)) for rule in rules]


def guidance_match(*, dataset: DatasetLike, today: dt.date) -> list[Recommendation]:
    """The rules that fit the dataset today, in display order (priority, then key)."""
    candidates = Recommendation.objects.select_related("option").filter(
        segment_id=dataset.segment_key, risk_class_id=dataset.risk_class_key
    )
    return [rule for rule in candidates if not failed_conditions(rule, dataset, today)]


@transaction.atomic
def recommendation_save(*, recommendation: Recommendation) -> Recommendation:
    """Validate and save a recommendation (create or update); auditlog records the change."""
    recommendation.full_clean()
    recommendation.save()
    return recommendation


@transaction.atomic
def recommendation_delete(*, key: str) -> None:
    Recommendation.objects.get(pk=key).delete()
