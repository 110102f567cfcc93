"""Phone numbers in any common written form become E.164 (default region from the settings)."""

from __future__ import annotations

import pytest

from tenure.partners.phones import to_e164


@pytest.mark.parametrize(
    "raw",
    ["0341 1234567", "+49 341 1234567", "0049 341 1234567", "0341-1234567", "(0341) 123 45 67",
     "+49 (0)341 1234567", "0341/1234567", "+493411234567"],
)  # fmt: skip
def test_common_forms_normalise_to_one_number(raw: str) -> None:
    assert to_e164(raw) == "+493411234567"


def test_region_decides_national_numbers() -> None:
    assert to_e164("02 1234567", region="IT") == "+39021234567"
    assert to_e164("+39 02 1234567", region="DE") == "+39021234567"


@pytest.mark.parametrize("raw", ["12", "abc", "+49 1", "0341 12345678901234"])
def test_invalid_numbers_are_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        to_e164(raw)
