"""The synthetic campaign: exact group sizes, the truth columns and their definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import logit

from tenure.analytics.uplift import synthetic_campaign
from tenure.analytics.uplift.synthetic import FEATURES, PRICE_SENSITIVE


def test_the_control_group_has_exactly_its_share() -> None:
    campaign = synthetic_campaign(1_000, control_share=0.3, random_state=1)
    assert len(campaign) == 1_000
    assert campaign["treated"].sum() == 700
    assert set(FEATURES) <= set(campaign.columns)
    assert campaign["customer"].tolist() == list(range(1, 1_001))


def test_the_truth_follows_the_documented_groups() -> None:
    campaign = synthetic_campaign(20_000, random_state=0)
    persuadable = campaign["tariff"].isin(PRICE_SENSITIVE) & (campaign["usage_drop"] > 0.15)
    sleeping = campaign["open_complaints"] >= 2
    np.testing.assert_allclose(
        campaign["true_uplift"], campaign["p_treated"] - campaign["p_control"]
    )
    shift = logit(campaign["p_treated"]) - logit(campaign["p_control"])
    np.testing.assert_allclose(shift, 1.8 * persuadable - 1.0 * sleeping, atol=1e-9)
    assert (campaign.loc[~persuadable & ~sleeping, "true_uplift"] == 0).all()
    assert (campaign["group"] == "persuadable").sum() == (persuadable & ~sleeping).sum()
    shares = campaign["group"].value_counts(normalize=True)
    assert shares["persuadable"] + shares["both"] == pytest.approx(0.22, abs=0.01)
    assert shares["sleeping_dog"] + shares["both"] == pytest.approx(0.19, abs=0.01)
    assert campaign["p_control"].mean() == pytest.approx(0.66, abs=0.01)
    assert campaign["true_uplift"].mean() == pytest.approx(0.018, abs=0.002)
    # the baseline depends on none of the uplift's features
    for feature in ("usage_drop", "open_complaints"):
        assert campaign["p_control"].corr(campaign[feature]) == pytest.approx(0, abs=0.03)


def test_the_same_seed_gives_the_same_campaign() -> None:
    pd.testing.assert_frame_equal(
        synthetic_campaign(500, random_state=3), synthetic_campaign(500, random_state=3)
    )


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="control_share must be between 0 and 1"):
        synthetic_campaign(100, control_share=1.0)
    with pytest.raises(ValueError, match="customers must be"):
        synthetic_campaign(1)
