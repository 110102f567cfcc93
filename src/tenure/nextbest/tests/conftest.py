"""Every test sees its own catalogue and the learned rates of its own responses at once."""

from __future__ import annotations

from typing import Any

import pytest

from tenure.nextbest import services


@pytest.fixture(autouse=True)
def fresh_learned_rates(settings: Any) -> None:
    settings.TENURE_NBA_RATES_SECONDS = 0
    settings.TENURE_NBA_CATALOGUE_SECONDS = 0  # queryset.update() sends no signal
    services._LEARNED.clear()
    services._CATALOGUE.clear()
