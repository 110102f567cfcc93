"""Demo products, holdings and product actions: what the product recommender learns from.

Each demo partner belongs to one of four taste groups (green energy, digital, home, family),
derived from the seed and its number; it holds 1–4 products started over the last three years,
three in four from its group's products, the rest from any. So what a partner takes up later is
predictable from what it holds (collaborative filtering finds it, content filtering partly through
the products' features, popularity not at all), as with real portfolios. Holdings are loaded
through the holdings import (:func:`tenure.customerdata.services.holding_import_records`).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from rich.console import Console

PRODUCTS = [  # key, name, category, features
    ("green-electricity", "Green electricity tariff", "energy", "green, 24 months"),
    ("gas-fixed", "Gas fixed price", "energy", "fixed price, 24 months"),
    ("smart-meter", "Smart meter", "energy services", "digital, metering"),
    ("heat-pump-service", "Heat pump service", "energy services", "green, maintenance"),
    ("solar-care", "Solar panel care", "energy services", "green, maintenance"),
    ("fibre-500", "Fibre 500 internet", "internet", "fibre, 24 months"),
    ("mobile-10gb", "Mobile 10 GB", "mobile", "flat rate"),
    ("tv-plus", "TV plus", "tv", "streaming"),
    ("home-contents", "Home contents insurance", "insurance", "home"),
    ("device-protection", "Device protection", "insurance", "digital"),
    ("e-bill", "E-billing", "service", "digital, paperless"),
    ("app-account", "Customer app", "service", "digital"),
]
GROUPS = {
    "green": ["green-electricity", "heat-pump-service", "solar-care", "smart-meter", "e-bill"],
    "digital": ["fibre-500", "mobile-10gb", "app-account", "e-bill", "device-protection"],
    "home": ["gas-fixed", "home-contents", "tv-plus", "smart-meter"],
    "family": ["tv-plus", "mobile-10gb", "home-contents", "fibre-500"],
}
ACTIONS = [  # product, label, value V (yearly margin), cost C, prior P
    ("green-electricity", "Offer the green electricity tariff", 120.0, 6.0, 0.05),
    ("fibre-500", "Offer Fibre 500 internet", 180.0, 8.0, 0.04),
    ("home-contents", "Offer home contents insurance", 90.0, 5.0, 0.04),
    ("smart-meter", "Offer a smart meter", 60.0, 4.0, 0.06),
]
SOURCE = "HLD-"
DAYS = 3 * 365


def demo_holding_records(
    numbers: list[str], *, seed: int, today: dt.date, affinity: float = 0.75
) -> list[dict[str, Any]]:
    """Holdings of the partners ``numbers`` (deterministic for the seed; see the module)."""
    keys = [key for key, *_ in PRODUCTS]
    records = []
    for number in numbers:
        rng = random.Random(f"{seed}:{number}")
        group = GROUPS[rng.choice(sorted(GROUPS))]
        held: list[str] = []
        for _ in range(rng.choice((1, 2, 2, 3, 3, 4))):
            pool = group if rng.random() < affinity else keys
            choices = [key for key in pool if key not in held]
            if choices:
                held.append(rng.choice(choices))
        for n, key in enumerate(held):
            started = today - dt.timedelta(days=rng.randrange(1, DAYS))
            ended = None
            if rng.random() < 0.1:
                ended = min(started + dt.timedelta(days=rng.randrange(30, 700)), today)
            records.append({"partner": number, "reference": f"{SOURCE}{number}-{n + 1}",
                            "product": key, "started": started.isoformat(),
                            "ended": ended.isoformat() if ended else None})  # fmt: skip
    return records


def ensure_demo_products() -> None:
    """The demo product catalogue and its product actions in the growth track (once)."""
    from tenure.customerdata.models import Product
    from tenure.nextbest.models import Action, Track

    for key, name, category, features in PRODUCTS:
        Product.objects.get_or_create(
            key=key, defaults={"name": name, "category": category, "features": features}
        )
    growth = Track.objects.filter(key="growth").first()
    if growth is None:
        return
    phone = {"name": "phone consent", "field": "consent_phone", "op": "is true", "value": None}
    for key, label, value, cost, prior in ACTIONS:
        Action.objects.get_or_create(
            key=f"offer-{key}",
            defaults={"label": label, "track": growth, "channel": "phone",
                      "product": Product.objects.get(key=key), "probability": prior,
                      "value": value, "cost": cost, "eligibility": [phone]},
        )  # fmt: skip


def load_demo_products(*, numbers: list[str], seed: int, console: Console) -> None:
    """Products, holdings of the demo partners (idempotent: a re-run adds nothing) and a fitted
    product recommender."""
    from django.utils import timezone

    from tenure.core.models import ImportRun
    from tenure.customerdata.models import ProductHolding
    from tenure.customerdata.services import holding_import_records
    from tenure.nextbest.models import RecommenderRun
    from tenure.nextbest.recommender import fit_recommender

    ensure_demo_products()
    records = demo_holding_records(numbers, seed=seed, today=timezone.localdate())
    stored = ProductHolding.objects.filter(reference__startswith=SOURCE).count()
    if stored < len(records):
        report = holding_import_records(records=records, origin=ImportRun.Origin.DEMO)
        if report.errors:
            raise RuntimeError(f"Demo holdings rejected: {report.errors[:3]}")
        console.print(f"Demo products: {len(PRODUCTS)} products, {len(records)} holdings.")
    if not RecommenderRun.objects.filter(complete=True).exists():
        run = fit_recommender()
        hybrid = next(row for row in run.evaluation if row["model"] == "hybrid")
        console.print(
            f"Product recommender fitted on {run.holdings} holdings: hybrid precision@{run.k} "
            f"{hybrid['precision']:.3f}, recall@{run.k} {hybrid['recall']:.3f}."
        )
