"""The catalogue built from the admin's rows, and its validation on save."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tenure.nextbest.models import Action, ContextWeight, Track
from tenure.nextbest.services import catalogue

pytestmark = pytest.mark.django_db


def test_default_catalogue_is_installed_and_builds() -> None:
    cat = catalogue()
    assert [t.key for t in cat.tracks] == ["collections", "retention", "growth"]
    assert len(cat.actions) == 8
    assert cat.action("payment-plan").kind == "mandatory"
    assert cat.action("cross-sell").propensity_field == "response_rate:cross-sell"
    assert [p.name for p in cat.pressure] == [
        "at most 1 offer per 7 days",
        "no offer for 30 days after a refusal",
    ]
    assert {w.condition.name for w in cat.weights} == {
        "caller wants to cancel",
        "caller wants more",
    }


def test_an_inactive_action_is_left_out() -> None:
    Action.objects.filter(key="cross-sell").update(active=False)
    assert "cross-sell" not in {a.key for a in catalogue().actions}


def test_unknown_operator_names_the_rule() -> None:
    action = Action.objects.get(key="cross-sell")
    action.eligibility = [{"name": "odd one", "field": "segment", "op": "like", "value": "A"}]
    with pytest.raises(ValidationError) as caught:
        action.full_clean()
    assert "odd one" in str(caught.value.message_dict["eligibility"])
    assert "like" in str(caught.value.message_dict["eligibility"])


def test_unknown_field_names_the_rule() -> None:
    track = Track.objects.get(key="growth")
    track.rules = [{"name": "tiny", "field": "shoe_size", "op": "<", "value": 40}]
    with pytest.raises(ValidationError) as caught:
        track.full_clean()
    assert "rule 'tiny': unknown field 'shoe_size'" in caught.value.message_dict["rules"]


def test_a_learned_rate_field_and_known_fields_pass() -> None:
    action = Action.objects.get(key="cross-sell")
    action.suitability = [
        {"name": "rate", "field": "response_rate:cross-sell", "op": ">", "value": 0.01},
        {"name": "risk", "field": "risk_class", "op": "in", "value": ["1", "2"]},
    ]
    action.full_clean()


def test_a_context_weight_needs_one_target() -> None:
    weight = ContextWeight(
        rule={"name": "w", "field": "intent", "op": "==", "value": "move"},
        weight=2,
        track_id="growth",
        action_id="cross-sell",
    )
    with pytest.raises(ValidationError):
        weight.full_clean()


def test_the_docs_list_every_field_rules_may_read() -> None:
    from pathlib import Path

    from tenure.nextbest.fields import CONTEXT_FIELDS

    docs = (Path(__file__).resolve().parents[4] / "docs" / "nextbest.md").read_text()
    assert [name for name in CONTEXT_FIELDS if f"| `{name}` |" not in docs] == []


def test_a_saved_change_reaches_the_cached_catalogue(settings) -> None:
    from tenure.nextbest.services import cached_catalogue

    settings.TENURE_NBA_CATALOGUE_SECONDS = 3600
    assert cached_catalogue().action("cross-sell").cost == 5.0
    action = Action.objects.get(key="cross-sell")
    action.cost = 7.5
    action.save()
    assert cached_catalogue().action("cross-sell").cost == 7.5
