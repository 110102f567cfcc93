"""Demo data for ``make demo``: partners in and around Leipzig, 24 monthly datasets, purchases.

Deterministic for a seed, loaded through the same import services as real deliveries, and
idempotent: a second run finds everything present and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from tenure.core.models import ImportRun

DEMO_PASSWORD_ENV = "TENURE_DEMO_PASSWORD"
DEFAULT_DEMO_PASSWORD = "tenure-demo"
DEMO_USERS = [
    ("agent", "agent", "201"),
    ("agent2", "agent", "202"),
    ("marketing", "marketing", ""),
    ("analyst", "analyst", ""),
    ("admin", "admin", ""),
]
SOURCE = "Energieforen Leipzig"

_FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Greta",
    "Hannes",
    "Ida",
    "Jonas",
    "Karla",
    "Lukas",
    "Marie",
    "Noah",
    "Olga",
    "Paul",
    "Rosa",
    "Simon",
    "Tilda",
    "Uwe",
    "Vera",
    "Wilhelm",
    "Yvonne",
    "Zoe",
    "Jürgen",
    "Sören",
    "Bärbel",
    "Günther",
    "Jörg",
    "Lena",
]
_EMAIL_SAFE = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "&": None, " ": None}
)
_LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Schmitt",
    "Werner",
    "Krause",
    "Meier",
    "Lehmann",
    "Schmid",
    "Schulze",
    "Maier",
    "Köhler",
    "Herrmann",
    "König",
    "Walter",
    "Mayer",
]
_ORG = [
    "Bäckerei {}",
    "{} Haustechnik GmbH",
    "Autohaus {} KG",
    "Praxis Dr. {}",
    "{} & Söhne Bau GmbH",
    "Café {}",
    "Steuerbüro {}",
    "{} Logistik GmbH",
]
_STREETS = [
    "Karl-Liebknecht-Straße",
    "Georg-Schwarz-Straße",
    "Eisenbahnstraße",
    "Könneritzstraße",
    "Gohliser Straße",
    "Prager Straße",
    "Zschochersche Straße",
    "Riebeckstraße",
    "Hauptstraße",
    "Bahnhofstraße",
    "Lindenauer Markt",
    "Dresdner Straße",
    "Jahnallee",
    "Lützner Straße",
]
_PLACES = [
    ("04109", "Leipzig", "341"),
    ("04177", "Leipzig", "341"),
    ("04229", "Leipzig", "341"),
    ("04315", "Leipzig", "341"),
    ("04416", "Markkleeberg", "341"),
    ("04808", "Wurzen", "3425"),
    ("06108", "Halle (Saale)", "345"),
    ("01067", "Dresden", "351"),
    ("04600", "Altenburg", "3447"),
]
_SEGMENTS = ["A", "B", "C", "D"]
_RISKS = ["1", "2", "3", "4"]
_CHURN_BANDS = {"1": (2, 24), "2": (25, 49), "3": (50, 74), "4": (75, 98)}


def demo_partners(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """Partner rows as a data provider would deliver them; partner 1000001 has +49 341 1234567."""
    rows = []
    for index in range(count):
        postcode, city, area = rng.choice(_PLACES)
        last = rng.choice(_LAST)
        organisation = rng.random() < 0.15
        name = rng.choice(_ORG).format(last) if organisation else f"{rng.choice(_FIRST)} {last}"
        local = f"{rng.randrange(1000000, 9999999)}"
        phones = [f"0{area} {local}"]
        if rng.random() < 0.5:
            phones.append(
                f"+49 1{rng.choice(['51', '60', '70', '76'])} {rng.randrange(10000000, 99999999)}"
            )
        rows.append(
            {
                "number": str(1000001 + index),
                "name": name,
                "kind": "organisation" if organisation else "person",
                "street": f"{rng.choice(_STREETS)} {rng.randrange(1, 180)}",
                "postcode": postcode,
                "city": city,
                "country": "DE",
                "phone": ";".join(phones),
                "email": f"{name.split()[0].lower()}.{last.lower()}{index}@example.org".translate(
                    _EMAIL_SAFE
                )
                if rng.random() < 0.8
                else "",
            }
        )
    rows[0]["phone"] = "0341 1234567"
    if count > 3:
        rows[1]["phone"] = rows[2]["phone"] = "0341 7654321"  # a shared household line
    return rows


def _month_starts(months: int, today: dt.date) -> list[dt.date]:
    year, month = today.year, today.month
    dates = []
    for _ in range(months):
        dates.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return sorted(dates)


def demo_datasets(
    partners: list[dict[str, Any]], months: int, rng: random.Random, today: dt.date
) -> list[dict[str, Any]]:
    """Monthly datasets: every segment × risk combination occurs in current datasets; about 5 % of
    partners have none, about 8 % have no customer value maintained."""
    dates = _month_starts(months, today)
    combos = [(segment, risk) for segment in _SEGMENTS for risk in _RISKS]
    rows = []
    for index, partner in enumerate(partners):
        if index % 20 == 19:
            continue  # no datasets at all
        segment, risk = (
            combos[index % len(combos)]
            if index < 160
            else (rng.choice(_SEGMENTS), rng.choices(_RISKS, weights=[5, 3, 2, 1])[0])
        )
        value_maintained = index % 13 != 5
        final_value = {"A": 9, "B": 7, "C": 4, "D": 2}[segment] + rng.choice([-1, 0, 1])
        final_churn = rng.randint(*_CHURN_BANDS[risk])
        start_value = min(10, max(1, final_value + rng.randint(-3, 3)))
        start_churn = min(100, max(0, final_churn + rng.randint(-35, 35)))
        for step, as_of in enumerate(dates):
            share = step / max(len(dates) - 1, 1)
            churn = round(start_churn + (final_churn - start_churn) * share + rng.randint(-4, 4))
            churn = final_churn if step == len(dates) - 1 else min(100, max(0, churn))
            value = round(start_value + (final_value - start_value) * share)
            value = min(10, max(1, final_value if step == len(dates) - 1 else value))
            step_risk = (
                risk
                if step == len(dates) - 1
                else next(
                    key for key, (low, high) in _CHURN_BANDS.items() if churn <= high or key == "4"
                )
            )
            rows.append(
                {
                    "partner": partner["number"],
                    "as_of": as_of.isoformat(),
                    "segment": segment,
                    "customer_value": value if value_maintained else None,
                    "risk_class": step_risk,
                    "churn_score": churn,
                    "bad_debt_score": round(rng.uniform(0, 1), 3) if index % 3 == 0 else None,
                    "source": SOURCE,
                }
            )
    return rows


def load_demo(
    *, partners: int, months: int, seed: int, console: Console, transactions: Path
) -> None:
    """Load demo partners, datasets, purchases with a model run, and users (idempotent)."""
    from django.contrib.auth.models import User

    from tenure.accounts.services import user_add
    from tenure.customervalue.models import CustomerValueDataset
    from tenure.customervalue.services import dataset_import_records
    from tenure.partners.models import BusinessPartner
    from tenure.partners.services import partner_import_records

    rng = random.Random(seed)
    partner_rows = demo_partners(partners, rng)
    dataset_rows = demo_datasets(partner_rows, months, rng, dt.date.today())
    numbers = [row["number"] for row in partner_rows]
    if BusinessPartner.objects.filter(number__in=numbers).count() == len(numbers) and (
        CustomerValueDataset.objects.filter(source=SOURCE).count() >= len(dataset_rows)
    ):
        console.print("Demo data is already loaded; nothing to do.")
        partner_rows, dataset_rows = [], []
    if partner_rows:
        with Progress(console=console) as progress:
            _load_in_chunks(progress, "Demo business partners", partner_rows, 1000,
                            partner_import_records)  # fmt: skip
            _load_in_chunks(progress, "Demo customer value datasets", dataset_rows, 10_000,
                            dataset_import_records)  # fmt: skip
    from tenure.cli.demo_clv import demo_churn_run, demo_model_run

    demo_model_run(numbers, transactions.resolve(), seed=seed, console=console)
    base = transactions.resolve().parent / "demo-base"
    demo_churn_run(base, partners=len(numbers), seed=seed, console=console)
    from tenure.cli.demo_customerdata import load_demo_customerdata

    load_demo_customerdata(base, numbers=numbers, console=console)
    from tenure.cli.demo_products import load_demo_products

    load_demo_products(numbers=numbers, seed=seed, console=console)
    from tenure.cli.demo_lifecycle import load_demo_lifecycle

    load_demo_lifecycle(base, numbers=numbers, seed=seed, console=console)
    from tenure.cli.demo_indicators import load_demo_indicators

    load_demo_indicators(base, numbers=numbers, console=console)
    password = os.environ.get(DEMO_PASSWORD_ENV, DEFAULT_DEMO_PASSWORD)
    for username, role, extension in DEMO_USERS:
        if not User.objects.filter(username=username).exists():
            user_add(
                username=username, role=role, password=password, extension=extension, validate=False
            )
    from tenure.cli.demo_campaigns import demo_campaigns
    from tenure.cli.demo_uplift import load_demo_uplift_campaign

    load_demo_uplift_campaign(numbers=numbers, seed=seed, console=console)
    demo_campaigns(console=console, seed=seed)
    from tenure.cli.demo_notes import load_demo_notes

    load_demo_notes(console=console)
    if partner_rows:
        console.print(
            f"Demo data: {len(partner_rows)} business partners, {len(dataset_rows)} datasets."
        )
    logins = Table(title="Demo logins", title_justify="left")
    for column in ("User", "Password", "Role", "Phone extension"):
        logins.add_column(column)
    for username, role, extension in DEMO_USERS:
        logins.add_row(username, password, role, extension or "–")
    console.print(logins)


def _load_in_chunks(
    progress: Progress, title: str, rows: list[dict[str, Any]], size: int, importer: Any
) -> None:
    task = progress.add_task(title, total=len(rows))
    for start in range(0, len(rows), size):
        chunk = rows[start : start + size]
        report = importer(records=chunk, origin=ImportRun.Origin.DEMO)
        if report.errors:
            raise RuntimeError(f"{title} rejected: {report.errors[:3]}")
        progress.advance(task, len(chunk))
