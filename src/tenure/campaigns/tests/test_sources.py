"""Where targets came from is stored in English and shown in the user's language."""

from __future__ import annotations

from django.utils import translation

from tenure.campaigns.sources import source_display


def test_the_kind_is_translated_and_the_name_kept() -> None:
    with translation.override("de"):
        assert source_display("list: winter.csv") == "Liste: winter.csv"
        assert source_display("segment: A") == "Segment: A"
        assert source_display("next best action: keep (run 3)").startswith("nächste beste Aktion")
    with translation.override("it"):
        assert source_display("search: Alto rischio: giugno") == "ricerca: Alto rischio: giugno"
    with translation.override("en"):
        assert source_display("search: High churn risk") == "search: High churn risk"


def test_a_label_of_another_form_is_shown_as_it_is() -> None:
    with translation.override("de"):
        for label in ("uplift run 4: top 100 by predicted uplift", "bench", "search:x"):
            assert source_display(label) == label
