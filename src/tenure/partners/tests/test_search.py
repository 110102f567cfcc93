"""Finding a business partner by number, name, city, e-mail or any written form of a phone."""

from __future__ import annotations

import pytest
from tests.factories import make_partner

from tenure.partners.selectors import partner_search

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def partners() -> None:
    make_partner("1000001", "Ben Hoffmann", phones=("+493411234567",), city="Leipzig")
    make_partner("1000002", "Krause GmbH", phones=("+493417654321",), city="Halle",
                 email="info@krause.example")  # fmt: skip
    make_partner("1000003", "Ida Krause", phones=("+493417654321",), city="Leipzig")


@pytest.mark.parametrize(
    ("query", "numbers"),
    [
        ("1000001", ["1000001"]),
        ("hoffmann", ["1000001"]),
        ("Krause", ["1000002", "1000003"]),
        ("info@krause", ["1000002"]),
        ("0341 1234567", ["1000001"]),
        ("+49 (341) 123-4567", ["1000001"]),
        ("0049 341 7654321", ["1000002", "1000003"]),
        ("nobody", []),
    ],
)
def test_search(query: str, numbers: list[str]) -> None:
    assert sorted(p.number for p in partner_search(query=query)) == numbers


def test_search_api_pages(api_as) -> None:
    body = api_as("agent").get("/api/v1/partners?q=Krause&limit=1").json()
    assert body["count"] == 2 and len(body["results"]) == 1
    assert set(body["results"][0]) >= {"number", "name", "kind", "phones", "email"}


def test_search_page_finds_by_phone(client_as) -> None:
    response = client_as("agent").get("/partners/", {"q": "0341 1234567"})
    assert b"Ben Hoffmann" in response.content and b"Ida Krause" not in response.content


def test_search_page_htmx_returns_only_the_results(client_as) -> None:
    response = client_as("agent").get(
        "/partners/", {"q": "Krause"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert b"<html" not in response.content and b"Ida Krause" in response.content
