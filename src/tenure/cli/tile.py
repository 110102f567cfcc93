"""``tenure customer-value NUMBER``: the tile's content on the terminal, with the rule explanation."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from tenure.core.models import CUSTOMER_VALUE
from tenure.core.selectors import module_is_active
from tenure.customervalue.selectors import customer_value_tile
from tenure.guidance.services import guidance_explain
from tenure.partners.selectors import partner_by_number


def print_tile(number: str, *, explain: bool, console: Console, errors: Console) -> int:
    """Print the tile of one partner; return the exit code (2: unknown partner or module off)."""
    if not module_is_active(CUSTOMER_VALUE):
        errors.print("[red]The module Customer value is inactive.[/red]")
        return 2
    partner = partner_by_number(number=number)
    if partner is None:
        errors.print(f"[red]No business partner {number!r}.[/red]")
        return 2
    tile = customer_value_tile(partner_id=partner.pk)
    console.print(f"[bold]{partner.name}[/bold] ({partner.number})")
    dataset = tile.dataset
    if dataset is None:
        console.print(tile.message)
        return 0
    value = "not maintained" if dataset.customer_value is None else f"{dataset.customer_value}/10"
    churn = "not maintained" if dataset.churn_score is None else f"{dataset.churn_score}/100"
    console.print(
        f"as of {dataset.as_of}: segment {dataset.segment_label} ({dataset.segment_key}), "
        f"customer value {value}, risk class {dataset.risk_class_label} "
        f"({dataset.risk_class_key}), churn score {churn}, source {dataset.source}"
    )
    if dataset.clv is not None or dataset.probability_alive is not None:
        parts = []
        if dataset.clv is not None:
            parts.append(f"CLV {dataset.clv:.2f}")
        if dataset.probability_alive is not None:
            parts.append(f"still active {dataset.probability_alive:.0%}")
        if dataset.expected_purchases is not None:
            parts.append(f"{dataset.expected_purchases:.1f} purchases expected")
        console.print("lifetime value: " + ", ".join(parts))
    if dataset.reasons:
        console.print("why this churn score: " + "; ".join(dataset.reasons))
    if not tile.recommendations:
        console.print("No recommendation for action fits this customer today.")
    for rec in tile.recommendations:
        discount = "" if rec.discount is None else f" (discount {rec.discount:.2f})"
        console.print(f"• [{rec.option_label}] {rec.text}{discount}  [dim]{rec.key}[/dim]")
    if explain:
        table = Table(title=f"Rules on {tile.today}")
        for column in ("Rule", "Fits", "Failed conditions"):
            table.add_column(column)
        for item in guidance_explain(dataset=dataset, today=tile.today):
            reasons = "; ".join(
                f"{f.condition}: expected {f.expected}, has {f.actual or 'none'}"
                for f in item.failed
            )
            table.add_row(item.rule.key, "yes" if item.matched else "no", reasons)
        console.print(table)
    return 0
