"""The rules-based engine: seed 002's worked example by its formulas, the policy steps and their
reasons, mandatory actions first, tracks, context weights, validity and the JSON decision."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

import pytest

from tenure.analytics.nba import (
    Action,
    Arbitration,
    Catalogue,
    ContextWeight,
    Predicate,
    Rule,
    Track,
    decide,
)

NOW = dt.datetime(2024, 6, 1, 9, 30)

# Seed 002, "Rules-based filtering", example for customer XYZ: P, V (change in CLV) and C of
# actions A–F, D not eligible. Its printed rows "Weighted value", "Profit" and "Return".
SEED = {
    "A": (0.03, 106.91, 0.50),
    "B": (0.03, 152.55, 0.75),
    "C": (0.08, -158.41, 0.05),
    "E": (0.05, 50.33, 0.05),
    "F": (0.01, 312.18, 1.50),
}
PRINTED_WEIGHTED = {"A": 2.12, "B": 4.58, "C": -12.67, "E": 2.52, "F": 12.49}
PRINTED_PROFIT = {"A": 2.68, "B": 3.83, "C": -12.72, "E": 2.47, "F": 1.62}
PRINTED_RETURN = {"A": 5.4, "B": 5.1, "C": -254.5, "E": 49.3, "F": 1.1}


def seed_catalogue(prioritisation: str) -> Catalogue:
    actions = [
        Action(key, "offers", probability=p, value=v, cost=c) for key, (p, v, c) in SEED.items()
    ]
    not_eligible = Rule("eligible for D", "eligible_for_d", "is true")
    actions.insert(
        3, Action("D", "offers", probability=0.5, value=100, cost=1, eligibility=(not_eligible,))
    )
    return Catalogue(tuple(actions), (Track("offers", 1, prioritisation),))  # type: ignore[arg-type]


def test_the_seed_example_by_its_formulas() -> None:
    decision = decide(seed_catalogue("return"), {"eligible_for_d": False}, now=NOW)
    by_key = {a.action: a for a in decision.actions}
    assert set(by_key) == set(SEED)
    for key, (p, v, c) in SEED.items():
        assert by_key[key].profit == pytest.approx(p * v - c)
        assert by_key[key].return_ == pytest.approx((p * v - c) / c)
    # the printed figures that the formulas give, rounded as printed
    for key in ("B", "C", "E"):
        p, v, c = SEED[key]
        assert round(p * v, 2) == PRINTED_WEIGHTED[key]
    for key in SEED:
        assert round(by_key[key].return_ or 0, 1) == PRINTED_RETURN[key]
    for key in ("B", "C", "E", "F"):
        assert round(by_key[key].profit, 2) == PRINTED_PROFIT[key]
    # ...and the slips: A's P·V is 3.21 (printed 2.12) and its profit 2.71 (printed 2.68);
    # F's P·V is 3.12 (printed 12.49, though its printed profit 1.62 follows from 3.12 − 1.50)
    assert round(0.03 * 106.91, 2) == 3.21 != PRINTED_WEIGHTED["A"]
    assert round(by_key["A"].profit, 2) == 2.71 != PRINTED_PROFIT["A"]
    assert round(0.01 * 312.18, 2) == 3.12 != PRINTED_WEIGHTED["F"]
    # prioritised by return, E is the best action, as the seed says
    assert [a.action for a in decision.actions] == ["E", "A", "B", "F", "C"]
    assert [a.rank for a in decision.actions] == [1, 2, 3, 4, 5]
    assert decision.not_offered == ("D",)
    (reason,) = decision.reasons_for("D")
    assert (reason.step, reason.rule) == ("eligibility", "eligible for D")
    assert reason.why == "eligible_for_d is false; the rule needs eligible_for_d is true"


def test_the_seed_example_prioritised_by_profit() -> None:
    decision = decide(seed_catalogue("profit"), {"eligible_for_d": False}, now=NOW)
    # B is "best for profit of action", as the seed says; A comes second by the formula
    assert [a.action for a in decision.actions] == ["B", "A", "E", "F", "C"]
    assert decision.actions[0].score == pytest.approx(0.03 * 152.55 - 0.75)
    assert decision.actions[0].prioritisation == "profit"


def test_a_return_track_needs_a_cost() -> None:
    with pytest.raises(ValueError, match="cost must be > 0"):
        Catalogue((Action("X", "t", probability=0.1, value=1),), (Track("t", 1, "return"),))
    free = Catalogue((Action("X", "t", probability=0.1, value=1),), (Track("t", 1, "profit"),))
    assert decide(free, {}, now=NOW).actions[0].return_ is None


def stepped_catalogue() -> Catalogue:
    action = Action(
        "LOAN",
        "growth",
        probability=0.1,
        value=500,
        cost=5,
        eligibility=(
            Rule("adult", "age", ">=", 18),
            Rule("phone consent", "consent_phone", "is true"),
        ),
        applicability=(Rule("no loan yet", "has_loan", "is false"),),
        suitability=(Rule("low bad debt", "bad_debt_score", "between", (None, 0.3)),),
    )
    return Catalogue((action,), (Track("growth", 1, "profit"),))


def test_every_failing_rule_of_every_step_is_a_reason() -> None:
    context = {"age": 17, "consent_phone": False, "has_loan": True, "bad_debt_score": 0.45}
    decision = decide(stepped_catalogue(), context, now=NOW)
    assert decision.actions == ()
    reasons = [(r.action, r.step, r.rule, r.why) for r in decision.reasons]
    assert reasons == [
        ("LOAN", "eligibility", "adult", "age is 17; the rule needs age ≥ 18"),
        ("LOAN", "eligibility", "phone consent", "consent_phone is false; the rule needs consent_phone is true"),
        ("LOAN", "applicability", "no loan yet", "has_loan is true; the rule needs has_loan is false"),
        ("LOAN", "suitability", "low bad debt", "bad_debt_score is 0.45; the rule needs bad_debt_score ≤ 0.3"),
    ]  # fmt: skip


def test_one_failing_step_at_a_time() -> None:
    ok = {"age": 40, "consent_phone": True, "has_loan": False, "bad_debt_score": 0.1}
    assert [a.action for a in decide(stepped_catalogue(), ok, now=NOW).actions] == ["LOAN"]
    for field, bad, step in (
        ("consent_phone", False, "eligibility"),
        ("has_loan", True, "applicability"),
        ("bad_debt_score", 0.9, "suitability"),
    ):
        decision = decide(stepped_catalogue(), {**ok, field: bad}, now=NOW)
        assert [r.step for r in decision.reasons] == [step]


def test_a_missing_value_fails_a_rule_unless_the_rule_says_otherwise() -> None:
    context = {"age": 40, "consent_phone": True, "has_loan": False}  # no bad debt score
    decision = decide(stepped_catalogue(), context, now=NOW)
    (reason,) = decision.reasons
    assert reason.why == "bad_debt_score is missing; the rule needs bad_debt_score ≤ 0.3"
    assert decide(stepped_catalogue(), {**context, "bad_debt_score": float("nan")}, now=NOW).reasons
    lenient = Rule("low bad debt", "bad_debt_score", "<=", 0.3, when_missing=True)
    assert lenient.check(context) and not lenient.check({"bad_debt_score": 0.5})


def test_the_rules_that_fired_explain_an_offer() -> None:
    context = {"age": 40, "consent_phone": True, "has_loan": False, "bad_debt_score": 0.1}
    decision = decide(stepped_catalogue(), context, now=NOW)
    assert [(f.step, f.rule, f.action) for f in decision.fired] == [
        ("eligibility", "adult", "LOAN"),
        ("eligibility", "phone consent", "LOAN"),
        ("applicability", "no loan yet", "LOAN"),
        ("suitability", "low bad debt", "LOAN"),
    ]
    assert decision.fired[0].detail == "age ≥ 18"


def tracks_catalogue(**arbitration: object) -> Catalogue:
    actions = (
        Action("REMINDER", "collections", "mandatory", "letter", 0.5, value=10, cost=1),
        Action("PLAN", "collections", "discretionary", "phone", 0.3, value=200, cost=5),
        Action("SAVE", "retention", "discretionary", "phone", 0.2, value=400, cost=20),
        Action("UPSELL", "growth", "discretionary", "email", 0.1, value=900, cost=2),
        Action("NOTICE", "growth", "mandatory", "letter", 1.0, value=0, cost=1),
    )
    tracks = (
        Track("collections", 1, "profit", (Rule("overdue", "overdue", ">", 0),), exclusive=True),
        Track("growth", 2, "profit"),
        Track("retention", 3, "profit", (Rule("at risk", "churn_score", ">=", 50),)),
    )
    weights = (
        ContextWeight(
            Rule("wants to cancel", "intent", "==", "cancellation"), 10.0, track="retention"
        ),
    )
    return Catalogue(actions, tracks, weights=weights, arbitration=Arbitration(**arbitration))  # type: ignore[arg-type]


def keys(catalogue: Catalogue, context: Mapping[str, object]) -> list[str]:
    return [a.action for a in decide(catalogue, context, now=NOW).actions]


def test_mandatory_actions_come_first_in_either_mode() -> None:
    context = {"overdue": 0, "churn_score": 80}
    # NOTICE's profit is −1, far below the offers', but it must happen
    assert keys(tracks_catalogue(), context) == ["NOTICE", "UPSELL", "SAVE"]
    assert keys(tracks_catalogue(mode="score"), context) == ["NOTICE", "UPSELL", "SAVE"]
    overdue = {"overdue": 50, "churn_score": 80}
    assert keys(tracks_catalogue(), overdue)[:2] == ["REMINDER", "NOTICE"]


def test_an_exclusive_track_holds_later_offers_back() -> None:
    decision = decide(tracks_catalogue(), {"overdue": 50, "churn_score": 80}, now=NOW)
    assert [a.action for a in decision.actions] == ["REMINDER", "NOTICE", "PLAN"]
    for key in ("SAVE", "UPSELL"):
        (reason,) = decision.reasons_for(key)
        assert (reason.step, reason.rule) == ("track", "precedence")
        assert "exclusive track collections" in reason.why
    assert ("track", "precedence", "collections") in {
        (f.step, f.rule, f.track) for f in decision.fired
    }


def test_a_track_entry_rule_is_a_reason_for_each_of_its_actions() -> None:
    decision = decide(tracks_catalogue(), {"overdue": 0, "churn_score": 20}, now=NOW)
    assert decision.reasons_for("SAVE")[0].why == (
        "churn_score is 20; the rule needs churn_score ≥ 50 (entry rule of track retention)"
    )
    assert {r.action for r in decision.reasons} == {"REMINDER", "PLAN", "SAVE"}


def test_the_callers_intent_puts_the_retention_track_first() -> None:
    calm = {"overdue": 0, "churn_score": 80}
    leaving = {**calm, "intent": "cancellation"}
    assert keys(tracks_catalogue(), calm) == ["NOTICE", "UPSELL", "SAVE"]
    assert keys(tracks_catalogue(), leaving) == ["NOTICE", "SAVE", "UPSELL"]
    assert keys(tracks_catalogue(context_weight=False), leaving) == ["NOTICE", "UPSELL", "SAVE"]
    decision = decide(tracks_catalogue(), leaving, now=NOW)
    weight = next(f for f in decision.fired if f.step == "arbitration")
    assert weight.detail == "intent = cancellation: × 10 for track retention"
    save = next(a for a in decision.actions if a.action == "SAVE")
    assert save.context_weight == 10


def test_score_arbitration_multiplies_the_switched_on_factors() -> None:
    calm = {"overdue": 0, "churn_score": 80}
    leaving = {**calm, "intent": "cancellation"}
    # P·V·lever: UPSELL 0.1·900 = 90, SAVE 0.2·400 = 80; with the intent SAVE is 800
    assert keys(tracks_catalogue(mode="score"), calm) == ["NOTICE", "UPSELL", "SAVE"]
    decision = decide(tracks_catalogue(mode="score"), leaving, now=NOW)
    assert [a.action for a in decision.actions] == ["NOTICE", "SAVE", "UPSELL"]
    assert [a.score for a in decision.actions[1:]] == pytest.approx([800, 90])
    # without the value factor: P·w → SAVE 2.0, UPSELL 0.1; without propensity and weight: V
    no_value = decide(tracks_catalogue(mode="score", value=False), calm, now=NOW)
    assert [(a.action, a.score) for a in no_value.actions[1:]] == [("SAVE", 0.2), ("UPSELL", 0.1)]
    value_only = tracks_catalogue(mode="score", propensity=False, context_weight=False)
    assert keys(value_only, leaving) == ["NOTICE", "UPSELL", "SAVE"]
    assert tracks_catalogue(mode="score", lever=False).arbitration.factors == (
        "propensity",
        "context_weight",
        "value",
    )


def test_the_business_lever_pushes_an_action() -> None:
    catalogue = tracks_catalogue(mode="score")
    actions = tuple(
        Action(a.key, a.track, a.kind, a.channel, a.probability, value=a.value, cost=a.cost,
               lever=3.0 if a.key == "SAVE" else 1.0)
        for a in catalogue.actions
    )  # fmt: skip
    pushed = Catalogue(actions, catalogue.tracks, arbitration=catalogue.arbitration)
    assert keys(pushed, {"overdue": 0, "churn_score": 80}) == ["NOTICE", "SAVE", "UPSELL"]


def test_an_action_outside_its_validity_is_not_offered() -> None:
    action = Action("XMAS", "growth", probability=0.1, value=50, cost=1,
                    valid_from=dt.date(2024, 12, 1), valid_until=dt.date(2024, 12, 24))  # fmt: skip
    catalogue = Catalogue((action,), (Track("growth", 1, "profit"),))
    assert decide(catalogue, {}, now=dt.date(2024, 12, 24)).actions[0].action == "XMAS"
    decision = decide(catalogue, {}, now=dt.date(2024, 12, 25))
    assert decision.actions == ()
    assert decision.reasons[0].why == "valid 2024-12-01 to 2024-12-24"


def test_a_propensity_per_customer_with_a_fixed_fallback() -> None:
    scored = Action("X", "t", probability=0.02, propensity_field="p_x", value_field="clv", cost=1)
    unscored = Action("Y", "t", propensity_field="p_y", value=10, cost=1)
    catalogue = Catalogue((scored, unscored), (Track("t", 1, "profit"),))
    decision = decide(catalogue, {"p_x": 0.4, "clv": 100.0, "p_y": None}, now=NOW)
    (offer,) = decision.actions
    assert (offer.probability, offer.value, offer.profit) == (0.4, 100.0, pytest.approx(39))
    assert [(r.action, r.step, r.rule) for r in decision.reasons] == [
        ("Y", "scoring", "probability")
    ]
    fallback = decide(catalogue, {"clv": 100.0}, now=NOW)
    assert fallback.actions[0].probability == 0.02


def test_limit_cuts_the_list_and_says_so() -> None:
    decision = decide(seed_catalogue("return"), {"eligible_for_d": True}, now=NOW, limit=2)
    # D, eligible now, returns (0.5 · 100 − 1) / 1 = 49, just below E's 49.33
    assert [a.action for a in decision.actions] == ["E", "D"]
    assert {r.action for r in decision.reasons if r.step == "limit"} == {"A", "B", "C", "F"}
    assert decision.reasons[0].why == "ranked below the first 2"


def test_the_decision_is_plain_json() -> None:
    decision = decide(tracks_catalogue(), {"overdue": 50, "churn_score": 80, "intent": "cancellation"},
                      now=NOW, customer="10000017")  # fmt: skip
    data = json.loads(json.dumps(decision.to_dict(), allow_nan=False))
    assert data["customer"] == "10000017"
    assert data["at"] == "2024-06-01T09:30:00"
    assert data["arbitration"]["mode"] == "track"
    # the intent puts retention before the exclusive collections track, which holds growth back
    assert [a["action"] for a in data["actions"]] == ["REMINDER", "NOTICE", "SAVE", "PLAN"]
    first = data["actions"][0]
    assert set(first) >= {"rank", "probability", "value", "cost", "profit", "return", "score"}
    assert data["not_offered"][0]["reasons"][0].keys() == {"step", "rule", "why"}


def test_the_catalogue_round_trips_through_json() -> None:
    catalogue = tracks_catalogue(mode="score", lever=False)
    again = Catalogue.from_dict(json.loads(json.dumps(catalogue.to_dict())))
    assert again == catalogue
    context = {"overdue": 0, "churn_score": 80, "intent": "cancellation"}
    assert (
        decide(again, context, now=NOW).to_dict() == decide(catalogue, context, now=NOW).to_dict()
    )
    coded = Predicate("anything", lambda c: True)
    with pytest.raises(TypeError, match="code, not data"):
        Catalogue((Action("X", "t", probability=0.1, value=1, cost=1, eligibility=(coded,)),),
                  (Track("t", 1),)).to_dict()  # fmt: skip


def test_unknown_settings_raise() -> None:
    with pytest.raises(ValueError, match="unknown operator"):
        Rule("x", "a", "=~", 1)
    with pytest.raises(ValueError, match="unknown track"):
        Catalogue((Action("X", "nope", probability=0.1, value=1, cost=1),), (Track("t", 1),))
    with pytest.raises(ValueError, match="appears twice"):
        a = Action("X", "t", probability=0.1, value=1, cost=1)
        Catalogue((a, a), (Track("t", 1),))
    with pytest.raises(ValueError, match="probability or a propensity field"):
        Action("X", "t", value=1)
