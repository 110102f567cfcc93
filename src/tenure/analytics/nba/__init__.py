"""Next best action (issue 9): what to do with a customer now, and why — framework-free.

The rules-based engine of seed 002 (eligibility → P·V − C → prioritisation by return or profit),
with the engagement policies (eligibility, applicability, suitability), customer tracks, context
weights, contact pressure and one arbitration for every channel: :mod:`.catalogue` (what can be
done), :mod:`.rules` (the conditions), :mod:`.pressure` (contact-pressure policies and history),
:mod:`.engine` (:func:`decide`, one customer, a JSON-ready :class:`Decision`), :mod:`.batch`
(:func:`decide_batch`, a whole base). :mod:`.learning` learns response rates per action and
segment; :mod:`.recommend` holds the recommenders (item- and user-based collaborative filtering,
content-based, popularity, hybrid) over SciPy sparse matrices, :mod:`.evaluation` judges them on
a time split, :mod:`.synthetic` generates data with known structure. NumPy, pandas, SciPy and
scikit-learn in and out, no Django.
"""

from tenure.analytics.nba.batch import RANKED_COLUMNS, BatchDecision, decide_batch
from tenure.analytics.nba.catalogue import (
    FACTORS,
    STEPS,
    Action,
    Arbitration,
    Catalogue,
    ContextWeight,
    Track,
)
from tenure.analytics.nba.engine import Decision, Fired, RankedAction, Reason, decide
from tenure.analytics.nba.pressure import (
    HISTORY_COLUMNS,
    RESPONSES,
    Contact,
    ContactLimit,
    RefusalSuppression,
)
from tenure.analytics.nba.rules import Predicate, Rule

__all__ = [
    "FACTORS",
    "HISTORY_COLUMNS",
    "RANKED_COLUMNS",
    "RESPONSES",
    "STEPS",
    "Action",
    "Arbitration",
    "BatchDecision",
    "Catalogue",
    "Contact",
    "ContactLimit",
    "ContextWeight",
    "Decision",
    "Fired",
    "Predicate",
    "RankedAction",
    "Reason",
    "RefusalSuppression",
    "Rule",
    "Track",
    "decide",
    "decide_batch",
]
