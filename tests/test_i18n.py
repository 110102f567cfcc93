"""The UI in German and Italian: translated pages, the language switch, complete compiled catalogs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from tests.factories import make_dataset, make_partner

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
TRANSLATED_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
PO_FILES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")

# language -> what the partner search page and the partner page with the tile must show
EXPECTED = {
    "de": {
        "search": ["Geschäftspartner", "Suchen", "Partnernummer", "Seite 1 von 1 · 1 Geschäftspartner"],
        "tile": ["Kundenwert und Abwanderungsscore", "Kundensegment", "Abwanderungsrisikoklasse",
                 "Handlungsempfehlungen", "Kundenwert im Zeitverlauf"],
        "empty": "Keine Kundenwertdaten gefunden.",
    },
    "it": {
        "search": ["Partner commerciali", "Cerca", "Numero partner", "Pagina 1 di 1 · 1 partner"],
        "tile": ["Valore cliente e punteggio di abbandono", "Segmento cliente",
                 "Classe di rischio di abbandono", "Raccomandazioni d'azione",
                 "Valore cliente nel tempo"],
        "empty": "Nessun dato sul valore cliente trovato.",
    },
}  # fmt: skip


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    """LocaleMiddleware activates the request's language in this thread; do not leak it."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _page(client: Client, path: str, language: str) -> str:
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200
    assert response.headers["Content-Language"] == language
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_search_page_is_translated(client_as, language: str) -> None:
    make_partner("1000001", "Ben Hoffmann", city="Leipzig")
    html = _page(client_as("agent"), "/partners/", language)
    assert f'<html lang="{language}">' in html
    for text in EXPECTED[language]["search"]:
        assert text in html
    assert "Business partners" not in html and "Search by number" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_partner_page_tile_is_translated(client_as, language: str) -> None:
    make_dataset(make_partner("1000001", "Ben Hoffmann"))
    html = _page(client_as("agent"), "/partners/1000001/", language)
    for text in EXPECTED[language]["tile"]:
        assert text in html
    assert "Customer value and churn score" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", TRANSLATED_LANGUAGES)
def test_empty_tile_is_translated(client_as, language: str) -> None:
    make_partner("1000001", "Ben Hoffmann")
    html = _page(client_as("agent"), "/partners/1000001/", language)
    assert EXPECTED[language]["empty"] in html


@pytest.mark.django_db
def test_english_is_the_default(client_as) -> None:
    make_partner("1000001", "Ben Hoffmann")
    html = _page(client_as("agent"), "/partners/", "en")
    assert "Business partners" in html and "Page 1 of 1 · 1 partner<" in html


def _switch_language(client: Client, language: str, next_url: str) -> None:
    client.get(next_url)  # the page's switcher form sets the CSRF cookie
    response = client.post(
        "/i18n/setlang/",
        {
            "language": language,
            "next": next_url,
            "csrfmiddlewaretoken": client.cookies[settings.CSRF_COOKIE_NAME].value,
        },
    )
    assert response.status_code == 302 and response["Location"] == next_url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == language


@pytest.mark.django_db
def test_language_switch(client_as) -> None:
    client = client_as("agent")
    html = client.get("/partners/").content.decode()
    assert 'action="/i18n/setlang/"' in html
    for code in ("en", "de", "it"):
        assert f'<option value="{code}"' in html

    _switch_language(client, "de", "/partners/")
    html = client.get("/partners/").content.decode()  # no Accept-Language: the cookie decides
    assert '<html lang="de">' in html and "Geschäftspartner" in html

    _switch_language(client, "it", "/partners/")
    assert "Partner commerciali" in client.get("/partners/").content.decode()

    _switch_language(client, "en", "/partners/")
    assert "Business partners" in client.get("/partners/").content.decode()


@pytest.mark.django_db
def test_language_switch_before_login() -> None:
    client = Client(enforce_csrf_checks=True)
    _switch_language(client, "de", "/accounts/login/")
    assert "Bei Tenure anmelden" in client.get("/accounts/login/").content.decode()


def test_setlang_rejects_a_missing_csrf_token(client_as) -> None:
    response = client_as("agent").post("/i18n/setlang/", {"language": "de", "next": "/"})
    assert response.status_code == 403


def _catalog(entries: list[polib.POEntry] | list[polib.MOEntry]) -> dict[tuple, object]:
    """msgctxt/msgid/msgid_plural -> msgstr (or the tuple of plural forms); header left out."""
    catalog: dict[tuple, object] = {}
    for entry in entries:
        if not entry.msgid or entry.obsolete or "fuzzy" in entry.flags:
            continue
        key = (entry.msgctxt, entry.msgid, entry.msgid_plural or None)
        if entry.msgid_plural:
            forms = entry.msgstr_plural
            catalog[key] = tuple(forms[index] for index in sorted(forms, key=int))
        else:
            catalog[key] = entry.msgstr
    return catalog


def test_every_language_has_catalogs() -> None:
    for language in TRANSLATED_LANGUAGES:
        po = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
        assert po.exists() and po.with_suffix(".mo").exists(), language
        assert polib.pofile(str(po)).metadata["Language"] == language


@pytest.mark.parametrize("po_path", PO_FILES, ids=lambda path: str(path.relative_to(LOCALE_DIR)))
def test_po_is_complete_and_mo_up_to_date(po_path: Path) -> None:
    po = polib.pofile(str(po_path))
    active = [entry for entry in po if not entry.obsolete]
    assert active, "empty catalog"
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    for entry in active:
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        source = entry.msgid_plural or entry.msgid
        for text in translations:
            assert text.strip(), entry.msgid
            assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), text

    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} missing: run compilemessages"
    assert _catalog(polib.mofile(str(mo_path))) == _catalog(po), (
        f"{mo_path} is out of date: run compilemessages"
    )
