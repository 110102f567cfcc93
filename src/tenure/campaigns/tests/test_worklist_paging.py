"""Worklist pages with free text, where the count comes with the page's ids: totals, a page past
the end, and the order, as with the count of its own; and the values when targeted."""

from __future__ import annotations

from tests.factories import make_dataset

from tenure.campaigns.tests.test_desktop import numbers, query, users, world  # noqa: F401
from tenure.campaigns.worklist import worklist_page


def test_free_text_pages_count_and_end_as_other_pages(world, users) -> None:  # noqa: F811
    marketing = users["marketing"]
    first = worklist_page(marketing, query(scope="all", q="customer", size=4, sort="-partner"))
    assert (first.total, first.in_scope, first.pages, first.page) == (11, 11, 3, 1)
    assert numbers(first) == ["P10", "P09", "P08", "P07"]
    past = worklist_page(marketing, query(scope="all", q="customer", size=4, page=7))
    assert (past.total, past.page, len(past.rows)) == (11, 3, 3)
    unfiltered = worklist_page(marketing, query(scope="all", size=4, page=7))
    assert numbers(past) == numbers(unfiltered)
    none = worklist_page(marketing, query(scope="all", q="nobody", page=2))
    assert (none.total, none.page, none.rows) == (0, 1, [])


def test_the_worklist_keeps_the_values_when_targeted(world, users) -> None:  # noqa: F811
    """A newer dataset changes the contact page's tile, not why the customer was targeted: the
    worklist shows, sorts and filters by the values taken when the contact was added."""
    agent = users["agent"]
    assert numbers(worklist_page(agent, query(sort="-churn", type="retention")))[0] == "P05"
    make_dataset(world["partners"][1], source="newer delivery", segment="A", churn_score=99)
    page = worklist_page(agent, query(sort="-churn", type="retention"))
    assert numbers(page)[0] == "P05"
    first = next(row for row in page.rows if row.partner_number == "P01")
    assert (first.segment, first.churn_score) == ("B", 7)
    assert "P01" not in numbers(worklist_page(agent, query(segment="A", type="retention")))
    assert "P01" not in numbers(worklist_page(agent, query(churn_min=90)))
