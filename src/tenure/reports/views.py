"""Reports & analysis pages: the advanced search (condition builder, paged sortable results), saved
searches, and exports of a result to CSV and XLSX."""

from __future__ import annotations

import csv
import json
import tempfile
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tenure.core.http import HtmxHttpRequest
from tenure.customervalue.models import ChurnRiskClass, CustomerSegment
from tenure.reports import builder
from tenure.reports.models import SavedSearch
from tenure.reports.search import (
    COLUMNS,
    PAGE_SIZES,
    CriteriaError,
    SearchCriteria,
    iter_rows,
    parse_criteria,
    parse_order,
    search_rows,
)
from tenure.reports.selectors import saved_search_visible, saved_searches_visible
from tenure.reports.services import (
    SavedSearchInvalid,
    saved_search_create,
    saved_search_delete,
    saved_search_update,
)
from tenure.retention.models import nps_band

XLSX_MAX_ROWS = 1_048_575  # Excel's limit without the header row
_BUILDER_KEYS = ("match", "q", "add", "remove")


def _uses_builder(data: QueryDict) -> bool:
    return any(key in data for key in _BUILDER_KEYS) or any(key.startswith("c-") for key in data)


def _saved(request: HttpRequest, pk: Any) -> SavedSearch | None:
    if not str(pk or "").isdigit():
        return None
    return saved_search_visible(user=request.user, pk=int(pk))


def _criteria(
    request: HttpRequest,
) -> tuple[list[builder.Row], SearchCriteria | None, str, SavedSearch | None]:
    """Builder rows, the parsed criteria (None if invalid), the error, the saved search shown."""
    data = request.GET
    saved = _saved(request, data.get("saved"))
    raw: Any
    if _uses_builder(data) or saved is None:
        rows, raw = builder.criteria_from_form(data)
    else:
        rows, raw = [], saved.criteria
    try:
        criteria = parse_criteria(raw)
    except CriteriaError as exc:
        return rows, None, str(exc), saved
    if not _uses_builder(data):
        rows = [builder.row_for(i, c) for i, c in enumerate(criteria.conditions)]
    return rows, criteria, "", saved


@permission_required("reports.view_savedsearch", raise_exception=True)
def search(request: HtmxHttpRequest) -> HttpResponse:
    """The advanced search: one URL for the page and its htmx fragment (builder + results)."""
    rows, criteria, error, saved = _criteria(request)
    if not rows and not _uses_builder(request.GET) and saved is None:
        rows = [builder.blank_row(0)]
    order = request.GET.get("order", "number")
    try:
        order = parse_order(order)
    except CriteriaError:
        order = "number"
    page_size = int(request.GET.get("size", "25")) if request.GET.get("size", "").isdigit() else 25
    page_size = page_size if page_size in PAGE_SIZES else 25
    page_number = int(request.GET.get("page", "1")) if request.GET.get("page", "").isdigit() else 1
    result = None
    query = ""
    if criteria is not None:
        result = search_rows(criteria, order=order, page=page_number, page_size=page_size)
        base = builder.form_query(criteria)
        if saved is not None:
            base["saved"] = str(saved.pk)
        base["size"] = str(page_size)
        query = base.urlencode()
    context = {
        "rows": rows,
        "criteria": criteria,
        "match": criteria.match if criteria else request.GET.get("match", "all"),
        "text": criteria.text if criteria else request.GET.get("q", ""),
        "error": error,
        "incomplete": [row.index + 1 for row in rows if not row.complete],
        "result": result,
        "columns": _columns(query, order),
        "query": query,
        "order": order,
        "page_size": page_size,
        "page_sizes": PAGE_SIZES,
        "fields": builder.field_choices(),
        "saved": saved,
        "saved_searches": saved_searches_visible(user=request.user),
        "criteria_json": json.dumps(criteria.as_json()) if criteria else "",
        "saved_changed": saved is not None
        and criteria is not None
        and _normalised(saved.criteria) != criteria.as_json(),
        "may_save": request.user.has_perm("reports.add_savedsearch"),
        "may_update": saved is not None and request.user.has_perm("reports.change_savedsearch"),
        "may_campaign": request.user.has_perm("campaigns.add_campaign"),
    }
    if result is not None:
        _decorate(result.rows)
    if request.htmx and request.htmx.target == "search-area":
        return render(request, "reports/partials/search_area.html", context)
    if request.htmx and request.htmx.target == "results":
        return render(request, "reports/partials/results.html", context)
    return render(request, "reports/search.html", context)


def _normalised(raw: Any) -> Any:
    try:
        return parse_criteria(raw).as_json()
    except CriteriaError:
        return None


def _decorate(rows: list[dict[str, Any]]) -> None:
    """Badges for the result table: every colour with its label."""
    segments = {s.key: s for s in CustomerSegment.objects.all()}
    risks = {r.key: r for r in ChurnRiskClass.objects.all()}
    for row in rows:
        segment, risk = segments.get(row["segment"] or ""), risks.get(row["risk_class"] or "")
        row["segment_colour"] = segment.colour if segment else "grey"
        row["risk_label"] = risk.label if risk else row["risk_class"]
        row["risk_colour"] = risk.colour if risk else "grey"
        light = row["traffic_light"]
        row["light_label"] = builder.LIGHT_LABELS.get(light or "none")
        row["nps_band"] = nps_band(row["nps"])


def _columns(query: str, order: str) -> list[dict[str, Any]]:
    """The result table's headers with the link that sorts by each (again: the other way)."""
    columns = []
    for key, label in COLUMNS.items():
        current = order.lstrip("-") == key
        descending = order.startswith("-")
        target = f"-{key}" if current and not descending else key
        columns.append(
            {
                "key": key,
                "label": label,
                "sorted": ("descending" if descending else "ascending") if current else "none",
                "href": f"?{query}&order={target}" if query else f"?order={target}",
            }
        )
    return columns


def _criteria_from_post(request: HttpRequest) -> Any:
    try:
        return json.loads(request.POST.get("criteria", ""))
    except ValueError:
        return None


@require_POST
@permission_required("reports.add_savedsearch", raise_exception=True)
def save(request: HttpRequest) -> HttpResponse:
    """Save the current search by name (shared with everyone who may search); with
    ``then=campaign`` go on to insert its partners into a new campaign."""
    try:
        saved = saved_search_create(
            name=request.POST.get("name", ""),
            description=request.POST.get("description", ""),
            criteria=_criteria_from_post(request),
            owner=request.user,  # type: ignore[arg-type]
            shared=True,
        )
    except SavedSearchInvalid as exc:
        messages.error(request, _("The search was not saved: %(reason)s") % {"reason": exc})
        return redirect(request.POST.get("back") or reverse("reports:search"))
    messages.success(request, _("Search “%(name)s” saved.") % {"name": saved.name})
    if request.POST.get("then") == "campaign" and request.user.has_perm("campaigns.add_campaign"):
        return redirect(reverse("campaigns:new") + f"?search={saved.pk}")
    return redirect(saved.get_absolute_url())


@require_POST
@permission_required("reports.change_savedsearch", raise_exception=True)
def update(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace a saved search's criteria with the current ones (and its name, if given)."""
    saved = _saved(request, pk)
    if saved is None:
        raise Http404("No such saved search")
    try:
        saved_search_update(
            search=saved,
            name=request.POST.get("name") or None,
            criteria=_criteria_from_post(request),
        )
    except SavedSearchInvalid as exc:
        messages.error(request, _("The search was not saved: %(reason)s") % {"reason": exc})
    else:
        messages.success(request, _("Search “%(name)s” updated.") % {"name": saved.name})
    return redirect(saved.get_absolute_url())


@require_POST
@permission_required("reports.delete_savedsearch", raise_exception=True)
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    saved = _saved(request, pk)
    if saved is None:
        raise Http404("No such saved search")
    name = saved.name
    saved_search_delete(search=saved)
    messages.success(request, _("Search “%(name)s” deleted.") % {"name": name})
    return redirect("reports:saved")


@permission_required("reports.view_savedsearch", raise_exception=True)
def saved_list(request: HttpRequest) -> HttpResponse:
    searches = []
    for saved in saved_searches_visible(user=request.user):
        try:
            described = [builder.describe(c) for c in parse_criteria(saved.criteria).conditions]
            text = parse_criteria(saved.criteria).text
        except CriteriaError as exc:  # e.g. a campaign or key deleted since
            described, text = [_("No longer valid: %(reason)s") % {"reason": exc}], ""
        searches.append({"search": saved, "conditions": described, "text": text})
    context = {
        "searches": searches,
        "may_delete": request.user.has_perm("reports.delete_savedsearch"),
        "may_campaign": request.user.has_perm("campaigns.add_campaign"),
    }
    return render(request, "reports/saved_list.html", context)


# --- exports -----------------------------------------------------------------------------------

EXPORT_COLUMNS = (
    ("number", gettext_lazy("Partner number"), 16),
    ("name", gettext_lazy("Name"), 32),
    ("postcode", gettext_lazy("Postcode"), 10),
    ("city", gettext_lazy("City"), 20),
    ("email", gettext_lazy("E-mail"), 30),
    ("segment", gettext_lazy("Segment"), 9),
    ("customer_value", gettext_lazy("Customer value"), 15),
    ("churn_score", gettext_lazy("Churn score"), 12),
    ("risk_class", gettext_lazy("Risk class"), 11),
    ("clv", gettext_lazy("CLV"), 12),
    ("bad_debt_score", gettext_lazy("Bad debt score"), 15),
    ("traffic_light", gettext_lazy("Traffic light"), 18),
    ("nps", gettext_lazy("NPS"), 6),
    ("as_of", gettext_lazy("Customer value as of"), 20),
)


def _export_headers() -> list[str]:
    return [str(label) for _key, label, _width in EXPORT_COLUMNS]


def _export_values(row: dict[str, Any]) -> list[Any]:
    values = []
    for key, _label, _width in EXPORT_COLUMNS:
        value = row.get(key)
        if key == "traffic_light" and value:
            value = str(builder.LIGHT_LABELS.get(value, value))
        values.append(value)
    return values


class _Echo:
    def write(self, value: str) -> str:
        return value


def _export_criteria(request: HttpRequest) -> tuple[SearchCriteria, str, str]:
    _rows, criteria, error, saved = _criteria(request)
    if criteria is None:
        raise CriteriaError(error)
    order = request.GET.get("order", "number")
    stem = _("search") if saved is None else saved.name
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in stem)[:60] or "search"
    return criteria, parse_order(order), f"{safe}-{timezone.localdate():%Y-%m-%d}"


@permission_required("reports.view_savedsearch", raise_exception=True)
def export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The whole result (not only the page shown) as CSV (streamed) or XLSX."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("Unknown export format")
    try:
        criteria, order, filename = _export_criteria(request)
    except CriteriaError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    if fmt == "csv":
        return StreamingHttpResponse(
            _csv_lines(criteria, order),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
        )
    return _xlsx(criteria, order, filename)


def _csv_lines(criteria: SearchCriteria, order: str) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(_export_headers())  # the BOM makes Excel read UTF-8
    for row in iter_rows(criteria, order=order):
        yield writer.writerow(_export_values(row))


def _xlsx(criteria: SearchCriteria, order: str, filename: str) -> FileResponse:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_("Partners")))
    for position, (_key, _label, width) in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in _export_headers():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for written, row in enumerate(iter_rows(criteria, order=order)):
        if written >= XLSX_MAX_ROWS:
            break  # Excel holds no more; the CSV export has no limit
        sheet.append(_export_values(row))
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115  (FileResponse closes it)
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{filename}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
