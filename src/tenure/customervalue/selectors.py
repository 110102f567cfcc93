"""Reading customer value datasets: the most current one, the history, and the tile's content."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from tenure.customervalue.models import CurrentCustomerValue, CustomerValueDataset

NO_DATA_MESSAGE = "No customer value data found."


@dataclass(frozen=True)
class CurrentDataset:
    """The values of one dataset with the labels and colours of its keys."""

    as_of: dt.date
    segment_key: str
    segment_label: str
    segment_colour: str
    customer_value: int | None
    risk_class_key: str
    risk_class_label: str
    risk_class_colour: str
    churn_score: int | None
    bad_debt_score: float | None
    source: str
    clv: float | None = None
    probability_alive: float | None = None
    expected_purchases: float | None = None
    reasons: list[str] | None = None


_FIELDS = (
    "as_of",
    "segment_id",
    "segment__label",
    "segment__colour",
    "customer_value",
    "risk_class_id",
    "risk_class__label",
    "risk_class__colour",
    "churn_score",
    "bad_debt_score",
    "source",
    "clv",
    "probability_alive",
    "expected_purchases",
    "reasons",
)


def partner_current_dataset(*, partner_id: int) -> CurrentDataset | None:
    """The most current dataset (greatest as-of, ties broken by the latest import), read by the
    id its partner's current row holds."""
    current = CurrentCustomerValue.objects.filter(partner_id=partner_id).values("dataset_id")
    row = CustomerValueDataset.objects.filter(pk__in=current).values_list(*_FIELDS).first()
    return CurrentDataset(*row) if row else None


@dataclass(frozen=True)
class HistoryPoint:
    as_of: dt.date
    customer_value: int | None
    churn_score: int | None
    segment_key: str
    risk_class_key: str


def partner_dataset_history(*, partner_id: int, limit: int = 120) -> list[HistoryPoint]:
    """The partner's datasets oldest first, one per as-of date (the latest import of that date)."""
    rows = (
        CustomerValueDataset.objects.filter(partner_id=partner_id)
        .order_by("-as_of", "-id")
        .values_list("as_of", "customer_value", "churn_score", "segment_id", "risk_class_id")[
            : limit * 2
        ]
    )
    by_date: dict[dt.date, HistoryPoint] = {}
    for row in rows:
        by_date.setdefault(row[0], HistoryPoint(*row))
    return sorted(by_date.values(), key=lambda point: point.as_of)[-limit:]


@dataclass(frozen=True)
class TileRecommendation:
    key: str
    option: str
    option_label: str
    text: str
    discount: Decimal | None


@dataclass
class Tile:
    """Everything the tile "Customer value and churn score" shows, for page, API and CTI alike."""

    dataset: CurrentDataset | None
    recommendations: list[TileRecommendation] = field(default_factory=list)
    today: dt.date = field(default_factory=timezone.localdate)

    @property
    def message(self) -> str | None:
        return NO_DATA_MESSAGE if self.dataset is None else None

    @property
    def value_percent(self) -> float | None:
        """Where the customer value (1..10) sits on its scale, 0..100 %."""
        if self.dataset is None or self.dataset.customer_value is None:
            return None
        return round((self.dataset.customer_value - 1) / 9 * 100, 1)

    @property
    def churn_percent(self) -> int | None:
        return None if self.dataset is None else self.dataset.churn_score


def customer_value_tile(*, partner_id: int, today: dt.date | None = None) -> Tile:
    """The tile's content for a partner on a day (today by default)."""
    from tenure.guidance.services import guidance_match

    day = today or timezone.localdate()
    dataset = partner_current_dataset(partner_id=partner_id)
    if dataset is None:
        return Tile(dataset=None, today=day)
    recommendations = [
        TileRecommendation(
            key=rule.key,
            option=rule.option_id,
            option_label=rule.option.label,
            text=rule.text,
            discount=rule.discount,
        )
        for rule in guidance_match(dataset=dataset, today=day)
    ]
    return Tile(dataset=dataset, recommendations=recommendations, today=day)
