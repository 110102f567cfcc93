"""Customer lifetime value: BG/NBD and Pareto/NBD purchase counts, Gamma-Gamma spend.

Estimators in the scikit-learn style (``fit`` returns the estimator, learned values end in ``_``),
NumPy arrays in and out, no Django. The tests reproduce the published fits on Fader & Hardie's
CDNOW sample (``tests/data/cdnow/``).
"""

from tenure.analytics.clv.base import (
    CLVModel,
    ConvergenceWarning,
    FitSummary,
    NotFittedError,
    ParameterEstimate,
    TransactionModel,
)
from tenure.analytics.clv.bgnbd import BetaGeoModel
from tenure.analytics.clv.gammagamma import GammaGammaModel
from tenure.analytics.clv.paretonbd import ParetoNBDModel
from tenure.analytics.clv.value import customer_lifetime_value

__all__ = [
    "BetaGeoModel",
    "CLVModel",
    "ConvergenceWarning",
    "FitSummary",
    "GammaGammaModel",
    "NotFittedError",
    "ParameterEstimate",
    "ParetoNBDModel",
    "TransactionModel",
    "customer_lifetime_value",
]
