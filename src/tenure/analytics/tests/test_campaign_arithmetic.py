"""The control-group draw and the retention lift interval (Newcombe 1998's worked examples)."""

import numpy as np
import pytest

from tenure.analytics.campaigns import control_group_mask, retention_lift, wilson_interval


def test_wilson_interval_known_values():
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # Newcombe (1998), Table II, method 10 (hybrid score without continuity correction)
        ((56, 70, 48, 80), (0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.1705, 0.8090)),
        ((6, 7, 2, 7), (0.0582, 0.8062)),
        ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ],
)
def test_retention_lift_reproduces_newcombe(counts, expected):
    lift = retention_lift(*counts)
    assert (lift.low, lift.high) == pytest.approx(expected, abs=1e-4)
    assert lift.difference == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])


def test_retention_lift_significance_and_empty_groups():
    assert retention_lift(56, 70, 48, 80).significant
    assert not retention_lift(5, 56, 0, 29).significant
    empty = retention_lift(5, 10, 0, 0)
    assert empty.treated_rate == 0.5 and empty.difference is None and not empty.significant
    with pytest.raises(ValueError, match="control group: 5 retained of 3"):
        retention_lift(1, 2, 5, 3)


def test_control_group_is_reproducible_and_independent_of_order():
    ids = np.arange(1, 200_001)
    mask = control_group_mask(ids, seed=7, share=0.2)
    assert mask.mean() == pytest.approx(0.2, abs=0.005)
    shuffled = np.random.default_rng(0).permutation(ids)
    again = control_group_mask(shuffled, seed=7, share=0.2)
    assert set(shuffled[again]) == set(ids[mask])
    assert not np.array_equal(control_group_mask(ids, seed=8, share=0.2), mask)
    assert not control_group_mask(ids, seed=7, share=0.0).any()
    with pytest.raises(ValueError, match="share"):
        control_group_mask(ids, seed=7, share=1.0)
