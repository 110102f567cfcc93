"""REST API of the advanced search: saved searches (list, create, read, change, delete) and running
a search (criteria in, one page of rows out). Bad criteria answer 422 naming the condition, the
field and the reason (``criteria.conditions.0.value``)."""

import datetime as dt
from typing import Any, NoReturn

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from tenure.accounts.api import require_permission
from tenure.core.apierrors import InvalidRequest
from tenure.reports.models import SavedSearch
from tenure.reports.search import CriteriaError, parse_criteria, search_rows
from tenure.reports.selectors import saved_search_visible, saved_searches_visible
from tenure.reports.services import (
    SavedSearchInvalid,
    saved_search_create,
    saved_search_delete,
    saved_search_update,
)

router = Router(tags=["advanced search"])


class ErrorItem(Schema):
    field: str
    error: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] = []


class SearchIn(Schema):
    name: str
    description: str = ""
    shared: bool = True
    criteria: dict[str, Any]


class SearchChange(Schema):
    name: str | None = None
    description: str | None = None
    shared: bool | None = None
    criteria: dict[str, Any] | None = None


class SearchOut(Schema):
    id: int
    name: str
    description: str
    shared: bool
    owner: str | None
    criteria: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


class RunIn(Schema):
    criteria: dict[str, Any] | None = None
    saved: int | None = Field(None, description="Run a saved search instead of given criteria")
    order: str = Field("number", description="A column; a leading '-' sorts descending")
    page: int = 1
    page_size: int = 25


class RowOut(Schema):
    number: str
    name: str
    postcode: str
    city: str
    email: str
    segment: str | None
    customer_value: int | None
    churn_score: int | None
    risk_class: str | None
    clv: float | None
    bad_debt_score: float | None
    customer_value_as_of: dt.date | None
    traffic_light: str | None
    nps: int | None


class RunOut(Schema):
    total: int
    page: int
    pages: int
    page_size: int
    order: str
    rows: list[RowOut]


def _out(search: SavedSearch) -> SearchOut:
    return SearchOut(
        id=search.pk,
        name=search.name,
        description=search.description,
        shared=search.shared,
        owner=search.owner.username if search.owner else None,
        criteria=search.criteria,
        created_at=search.created_at,
        updated_at=search.updated_at,
    )


def _invalid(exc: SavedSearchInvalid | CriteriaError, prefix: str = "") -> NoReturn:
    if isinstance(exc, CriteriaError):
        field, reason = f"{prefix}{exc.path}", str(exc)
    else:
        field, reason = exc.field, exc.reason
    raise InvalidRequest([{"field": field, "error": reason}], f"{field}: {reason}")


def _get(request: HttpRequest, pk: int) -> SavedSearch:
    search = saved_search_visible(user=request.user, pk=pk)
    if search is None:
        raise HttpError(404, f"no saved search {pk}")
    return search


@router.get("", response=list[SearchOut], summary="Saved searches (shared ones and your own)")
def list_searches(request: HttpRequest) -> list[SearchOut]:
    require_permission(request, "reports.view_savedsearch")
    return [_out(search) for search in saved_searches_visible(user=request.user)]


@router.post("", response={201: SearchOut, 422: ErrorOut}, summary="Save a search by name")
def create_search(request: HttpRequest, body: SearchIn) -> Status[SearchOut]:
    require_permission(request, "reports.add_savedsearch")
    try:
        search = saved_search_create(
            name=body.name,
            description=body.description,
            shared=body.shared,
            criteria=body.criteria,
            owner=request.user,  # type: ignore[arg-type]
        )
    except SavedSearchInvalid as exc:
        _invalid(exc)
    return Status(201, _out(search))


@router.post("/run", response={200: RunOut, 404: ErrorOut, 422: ErrorOut},
             summary="Run a search: criteria (or a saved search) in, one page of partners out")  # fmt: skip
def run_search(request: HttpRequest, body: RunIn) -> RunOut:
    require_permission(request, "reports.view_savedsearch")
    if body.saved is not None:
        raw = _get(request, body.saved).criteria
        prefix = "saved."
    elif body.criteria is not None:
        raw, prefix = body.criteria, "criteria."
    else:
        raise InvalidRequest([{"field": "criteria", "error": "give criteria or saved"}])
    try:
        criteria = parse_criteria(raw)
    except CriteriaError as exc:
        _invalid(exc, prefix)
    try:
        page = search_rows(criteria, order=body.order, page=body.page, page_size=body.page_size)
    except CriteriaError as exc:
        _invalid(exc)
    rows = [
        RowOut(customer_value_as_of=row["as_of"], **{
            key: row[key] for key in RowOut.model_fields if key != "customer_value_as_of"
        })
        for row in page.rows
    ]  # fmt: skip
    return RunOut(total=page.total, page=page.page, pages=page.pages, page_size=page.page_size,
                  order=page.order, rows=rows)  # fmt: skip


@router.get("/{int:pk}", response={200: SearchOut, 404: ErrorOut}, summary="A saved search")
def read_search(request: HttpRequest, pk: int) -> SearchOut:
    require_permission(request, "reports.view_savedsearch")
    return _out(_get(request, pk))


@router.put("/{int:pk}", response={200: SearchOut, 404: ErrorOut, 422: ErrorOut},
            summary="Change a saved search (name, description, shared, criteria)")  # fmt: skip
def update_search(request: HttpRequest, pk: int, body: SearchChange) -> SearchOut:
    require_permission(request, "reports.change_savedsearch")
    search = _get(request, pk)
    try:
        saved_search_update(search=search, name=body.name, description=body.description,
                            shared=body.shared, criteria=body.criteria)  # fmt: skip
    except SavedSearchInvalid as exc:
        _invalid(exc)
    return _out(search)


@router.delete("/{int:pk}", response={204: None, 404: ErrorOut}, summary="Delete a saved search")
def delete_search(request: HttpRequest, pk: int) -> Status[None]:
    require_permission(request, "reports.delete_savedsearch")
    saved_search_delete(search=_get(request, pk))
    return Status(204, None)
