"""Fader & Hardie's CDNOW sample (``tests/data/cdnow/``) and the models fitted on it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tenure.analytics.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel
from tenure.analytics.clv.base import Array

CDNOW = Path(__file__).resolve().parents[4] / "tests" / "data" / "cdnow"


@dataclass(frozen=True)
class Summary:
    """One row per customer, times in weeks: x repeat purchases, last at t_x, age T, mean zbar."""

    id: Array
    x: Array
    t_x: Array
    T: Array
    zbar: Array


def read_summary() -> Summary:
    table = np.genfromtxt(CDNOW / "cdnow_sample_summary.csv", delimiter=",", names=True)
    return Summary(
        *(np.asarray(table[c], dtype=np.float64) for c in ("ID", "x", "t_x", "T", "zbar"))
    )


@pytest.fixture(scope="session")
def cdnow() -> Summary:
    return read_summary()


@pytest.fixture(scope="session")
def bgnbd(cdnow: Summary) -> BetaGeoModel:
    return BetaGeoModel().fit(cdnow.x, cdnow.t_x, cdnow.T)


@pytest.fixture(scope="session")
def paretonbd(cdnow: Summary) -> ParetoNBDModel:
    return ParetoNBDModel().fit(cdnow.x, cdnow.t_x, cdnow.T)


@pytest.fixture(scope="session")
def gammagamma(cdnow: Summary) -> GammaGammaModel:
    return GammaGammaModel().fit(cdnow.x, cdnow.zbar)


def write_cdnow_csv(path: Path) -> Path:
    """``CDNOW_sample.txt`` as a CSV a user would deliver: customer (1..2357), date, amount."""
    raw = np.loadtxt(CDNOW / "CDNOW_sample.txt", dtype=str)
    lines = ["customer,date,amount"] + [
        f"{int(row[1])},{row[2][:4]}-{row[2][4:6]}-{row[2][6:]},{row[4]}" for row in raw
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def three_significant_digits(value: float) -> float:
    return float(f"{value:.3g}")
