"""The one NinjaAPI: every app's router under /api/v1, OpenAPI at /api/docs (login required)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from tenure.accounts.api import api_auth

api = NinjaAPI(
    title="Tenure API",
    version="1",
    description="Customer value, churn risk and recommendations for action.",
    auth=api_auth,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=login_required,
)


def _errors(
    request: HttpRequest, detail: str, errors: list[dict[str, str]], status: int
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors}, status=status)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "field": ".".join(
                str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")
            ),
            "error": str(error.get("msg", "invalid")),
        }
        for error in exc.errors
    ]
    return _errors(request, "invalid request", errors, 422)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _errors(request, "authentication required", [], 401)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _errors(request, str(exc), getattr(exc, "errors", []), exc.status_code)


api.add_router("/v1/partners", "tenure.partners.api.router")
api.add_router("/v1", "tenure.partners.api_notes.router")
api.add_router("/v1", "tenure.customervalue.api.router")
api.add_router("/v1/recommendations", "tenure.guidance.api.router")
api.add_router("/v1/cti", "tenure.cti.api.router")
api.add_router("/v1", "tenure.customerdata.api.router")
api.add_router("/v1", "tenure.retention.api.router")
api.add_router("/v1/searches", "tenure.reports.api.router")
api.add_router("/v1", "tenure.campaigns.api_manage.router")
api.add_router("/v1", "tenure.campaigns.api_desktop.router")
api.add_router("/v1", "tenure.nextbest.api.router")
