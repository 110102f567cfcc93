"""The condition builder of the advanced search page: form fields ↔ criteria JSON, the input each
condition needs, and conditions in words.

The page is a GET form (so every search has a URL, and exports and paging reuse it): row ``i`` of
the builder sends ``c-i-field``, ``c-i-op`` and its value (``c-i-value``, possibly repeated, or
``c-i-from`` / ``c-i-to``). A row without a value yet is not applied and says so.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from tenure.campaigns.models import Campaign, CampaignType
from tenure.customervalue.models import ChurnRiskClass, CustomerSegment
from tenure.partners.models import Channel
from tenure.reports.search import FIELDS, Condition, SearchCriteria
from tenure.retention.models import TrafficLight

LIGHT_LABELS = {
    "red": TrafficLight.RED.label,
    "yellow": TrafficLight.YELLOW.label,
    "green": TrafficLight.GREEN.label,
    "none": _("not set"),
}
NPS_LABELS = {
    "red": _("red – detractor (0–6)"),
    "yellow": _("yellow – passive (7–8)"),
    "green": _("green – promoter (9–10)"),
    "none": _("not recorded"),
}
STATUS_LABELS = {"active": _("active customer"), "left": _("left (churned)")}
ANY_TYPE = _("any type")
_RANGE_FIELDS = {"customer_value", "churn_score", "clv", "bad_debt_score", "tenure_months"}
_LIST_TEXT = {("city", "in"), ("country", "in")}


def _options(name: str, op: str) -> list[tuple[str, Any]]:
    if name == "segment":
        return [(s.key, f"{s.key} – {s.label}") for s in CustomerSegment.objects.all()]
    if name == "risk_class":
        return [(r.key, f"{r.key} – {r.label}") for r in ChurnRiskClass.objects.all()]
    if name == "traffic_light":
        return list(LIGHT_LABELS.items())
    if name == "nps_band":
        return list(NPS_LABELS.items())
    if name == "customer_status":
        return list(STATUS_LABELS.items())
    if name == "consent":
        return list(Channel.choices)
    if name == "campaign":
        if op == "in_campaign":
            return [(str(c.pk), str(c)) for c in Campaign.objects.order_by("-starts_on", "name")]
        types = list(CampaignType.choices)
        return [("", ANY_TYPE), *types] if op == "not_in_running" else types
    return []


def widget_kind(name: str, op: str) -> str:
    """checks (several values), range (from/to), number, text or select."""
    if name in _RANGE_FIELDS:
        return "range"
    if name == "last_contact_days":
        return "number"
    if name in ("postcode", "city", "country"):
        return "text"
    if name in ("campaign", "consent"):
        return "select"
    return "checks"


@dataclass
class Row:
    """One condition row of the builder as the template draws it."""

    index: int
    field: str
    op: str
    kind: str
    ops: list[tuple[str, Any]]
    options: list[tuple[str, Any]] = dataclasses.field(default_factory=list)
    chosen: list[str] = dataclasses.field(default_factory=list)
    low: str = ""
    high: str = ""
    text: str = ""
    complete: bool = True

    @property
    def prefix(self) -> str:
        return f"c-{self.index}"


def field_choices() -> list[tuple[str, Any]]:
    return [(name, spec.label) for name, spec in FIELDS.items()]


def blank_row(index: int, name: str = "segment", op: str = "") -> Row:
    spec = FIELDS[name]
    op = op if op in spec.ops else next(iter(spec.ops))
    return Row(index, name, op, widget_kind(name, op), list(spec.ops.items()), _options(name, op))


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def row_for(index: int, condition: Condition) -> Row:
    """A builder row showing a parsed condition."""
    row = blank_row(index, condition.field, condition.op)
    value = condition.value
    if row.kind == "range":
        row.low, row.high = _display(value[0]), _display(value[1])
    elif row.kind == "checks":
        row.chosen = list(value)
    elif row.kind == "select":
        row.chosen = [_display(value)]
    elif isinstance(value, tuple):
        row.text = ", ".join(value)
    else:
        row.text = _display(value)
    return row


def rows_from_form(data: QueryDict) -> tuple[list[Row], list[dict[str, Any]]]:
    """Builder rows from the form, renumbered, and the conditions of the complete rows as JSON.

    ``remove=i`` drops row i; ``add`` appends a new row.
    """
    parts = [key.split("-") for key in data if key.startswith("c-")]
    indices = sorted({int(part[1]) for part in parts if len(part) >= 3 and part[1].isdigit()})
    removed = data.get("remove", "")
    rows: list[Row] = []
    conditions: list[dict[str, Any]] = []
    for old in indices:
        if str(old) == removed:
            continue
        prefix = f"c-{old}"
        name = data.get(f"{prefix}-field", "")
        if name not in FIELDS:
            continue
        row = blank_row(len(rows), name, data.get(f"{prefix}-op", ""))
        value: Any
        if row.kind == "range":
            row.low = data.get(f"{prefix}-from", "").strip()
            row.high = data.get(f"{prefix}-to", "").strip()
            value = [row.low or None, row.high or None]
            row.complete = bool(row.low or row.high)
        elif row.kind == "checks":
            row.chosen = [item for item in data.getlist(f"{prefix}-value") if item]
            value = row.chosen
            row.complete = bool(row.chosen)
        elif row.kind == "select":
            chosen = data.get(f"{prefix}-value", "")
            valid = {key for key, _label in row.options}
            chosen = chosen if chosen in valid else (row.options[0][0] if row.options else "")
            row.chosen = [chosen]
            value = chosen or None
            row.complete = bool(chosen) or row.op == "not_in_running"
        else:
            row.text = data.get(f"{prefix}-value", "").strip()
            value = row.text
            if (name, row.op) in _LIST_TEXT:
                value = [part.strip() for part in row.text.split(",") if part.strip()]
            row.complete = bool(row.text)
        rows.append(row)
        if row.complete:
            conditions.append({"field": name, "op": row.op, "value": value})
    if "add" in data:
        added = blank_row(len(rows), data.get("add_field") or "segment")
        added.complete = False
        rows.append(added)
    return rows, conditions


def criteria_from_form(data: QueryDict) -> tuple[list[Row], dict[str, Any]]:
    rows, conditions = rows_from_form(data)
    match = data.get("match", "all")
    return rows, {"match": match, "conditions": conditions, "text": data.get("q", "").strip()}


def form_query(criteria: SearchCriteria) -> QueryDict:
    """The builder's form fields for criteria (links to a search: saved, paged, exported)."""
    query = QueryDict(mutable=True)
    query["match"] = criteria.match
    if criteria.text:
        query["q"] = criteria.text
    for index, condition in enumerate(criteria.conditions):
        row = row_for(index, condition)
        query[f"{row.prefix}-field"] = row.field
        query[f"{row.prefix}-op"] = row.op
        if row.kind == "range":
            query[f"{row.prefix}-from"] = row.low
            query[f"{row.prefix}-to"] = row.high
        elif row.kind in ("checks", "select"):
            query.setlist(f"{row.prefix}-value", row.chosen)
        else:
            query[f"{row.prefix}-value"] = row.text
    return query


def describe(condition: Condition) -> str:
    """A condition in words: "Churn score between 60 and 100", "Traffic light is one of …"."""
    spec = FIELDS[condition.field]
    row = row_for(0, condition)
    labels = dict(row.options)
    if row.kind == "range":
        low, high = row.low or "…", row.high or "…"
        value = f"{low} – {high}"
    elif row.kind in ("checks", "select"):
        value = ", ".join(str(labels.get(item, item)) for item in row.chosen)
    else:
        value = row.text
    return f"{spec.label} {spec.ops[condition.op]} {value}".strip()
