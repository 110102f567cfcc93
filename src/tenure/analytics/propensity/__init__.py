"""Propensity models: the probability of a yes/no outcome per customer (churn, bad debt, "buys
product X"), calibrated, evaluated honestly and explained in plain words.

:class:`FeaturePipeline` turns a customer table into features, :class:`PropensityModel` fits
LightGBM or a logistic baseline with a calibrator and explains each score by feature
contributions, :func:`evaluate` and :func:`time_split` judge a model, :mod:`.plots` draws its
figures and :func:`describe` words its reasons. NumPy and pandas in and out, no Django. The tests
check it on ISLR's ``Default`` credit data (``tests/data/default/``), a bad-debt case.
"""

from tenure.analytics.propensity.evaluation import (
    Comparison,
    CrossValidation,
    Evaluation,
    compare,
    evaluate,
    expected_calibration_error,
    reliability,
    stratified_cv,
    time_split,
)
from tenure.analytics.propensity.explain import describe
from tenure.analytics.propensity.features import FeaturePipeline
from tenure.analytics.propensity.model import BASE_VALUE, PropensityModel, Reason

__all__ = [
    "BASE_VALUE",
    "Comparison",
    "CrossValidation",
    "Evaluation",
    "FeaturePipeline",
    "PropensityModel",
    "Reason",
    "compare",
    "describe",
    "evaluate",
    "expected_calibration_error",
    "reliability",
    "stratified_cv",
    "time_split",
]
