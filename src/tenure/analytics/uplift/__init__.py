"""Uplift modelling: whom a campaign *moves*, learned from a finished campaign with a control group.

A churn or response score ranks customers by how likely the outcome is; a campaign should rank
them by how much the contact changes it. :class:`TwoModelUplift` (two calibrated propensity
models, treated and controls) and :class:`ClassTransformationUplift` (Jaskowski & Jaroszewicz
2012, with the groups reweighted to equal size) estimate that uplift from a campaign whose
control group was drawn at random; :mod:`.evaluation` judges a ranking by predicted uplift on
held-out customers with the Qini and uplift curves (Qini coefficient, AUUC) and the uplift by
decile, and :func:`segment` names persuadables, sure things, lost causes and do-not-disturbs for
the next campaign. :mod:`.plots` draws the figures; :func:`synthetic_campaign` simulates a
campaign whose true uplift is known, for tests and demonstrations. NumPy and pandas in and out,
no Django.
"""

from tenure.analytics.uplift.evaluation import (
    SEGMENTS,
    UpliftEvaluation,
    area_under,
    auuc,
    evaluate,
    qini_coefficient,
    qini_curve,
    segment,
    uplift_by_decile,
    uplift_curve,
)
from tenure.analytics.uplift.model import (
    ClassTransformationUplift,
    TwoModelUplift,
    UpliftModel,
    campaign_data,
)
from tenure.analytics.uplift.synthetic import synthetic_campaign

__all__ = [
    "SEGMENTS",
    "ClassTransformationUplift",
    "TwoModelUplift",
    "UpliftEvaluation",
    "UpliftModel",
    "area_under",
    "auuc",
    "campaign_data",
    "evaluate",
    "qini_coefficient",
    "qini_curve",
    "segment",
    "synthetic_campaign",
    "uplift_by_decile",
    "uplift_curve",
]
