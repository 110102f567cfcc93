"""A lean ASGI route for the telephony API's hot path, ``POST /api/v1/cti/calls``, in front of Django.

The telephony system reports hundreds of events a second with one token. Through Django, each
went through the whole middleware chain (sessions, locale, CSRF, login, messages, htmx, static
files: all for browsers), URL resolution and django-ninja's machinery; together with the ASGI
handling around them about a fifth of the server's CPU per event (docs/benchmarks.md, section 3).
This route answers the common request, a well-formed event with a valid token of a user who may
report calls, in one hand-over to the request's thread: it checks the token as the API does
(``token_authenticate``), validates the body with the same schema (``CallEventIn``), sets
django-auditlog's context as its middleware does (actor, client address, correlation id) and calls
the same function as the endpoint (``call_event_answer``), whose answer it renders with the API's
renderer and the headers the middleware chain adds.

Anything else returns None and Django answers it in full, as before: a missing or wrong token
(401), a user without the permission (403), a body the schema refuses (422 with field and
reason), a time without zone, an error while recording, and any request with something the
middleware chain would act on (cookies, ``Accept-Language``, a host Django would refuse, HTTPS,
a query string). So the errors, their shape and the OpenAPI documentation stay django-ninja's;
``tests/test_lean.py`` compares the two paths' answers and audit entries.
"""

from __future__ import annotations

import json
import time
from types import SimpleNamespace
from typing import Any

from auditlog.cid import set_cid
from auditlog.context import set_extra_data
from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.core import signals
from django.http.request import HttpHeaders, split_domain_port, validate_host
from django.utils import translation
from pydantic import ValidationError

from tenure.accounts.services import token_authenticate
from tenure.api import api
from tenure.core.apierrors import InvalidRequest
from tenure.cti.api import REPORT_PERMISSION, call_event_answer
from tenure.cti.schemas import CallEventIn

METHOD, PATH = "POST", "/api/v1/cti/calls"

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]

# headers the middleware chain would act on: such requests go through Django
_FOR_DJANGO = {b"cookie", b"accept-language", b"x-forwarded-host"}


def answer(scope: dict[str, Any], body: bytes) -> Answer | None:
    """In the request's thread: the answer to a well-formed event of an authorised telephony
    system, exactly as the API would give it; None when Django has to answer (see above)."""
    started = time.perf_counter()
    meta = _meta(scope)
    if meta is None:
        return None
    token = _bearer(meta)
    if token is None:
        return None
    try:
        data = json.loads(body)
        event = CallEventIn.model_validate(data) if isinstance(data, dict) else None
    except (ValueError, ValidationError):
        return None
    if event is None:
        return None
    # as Django does around a request: the database connection goes back to the pool after it
    signals.request_started.send(sender=answer, scope=scope)
    try:
        user = token_authenticate(token)
        if user is None or not user.has_perm(REPORT_PERMISSION):
            return None
        request = SimpleNamespace(META=meta, headers=HttpHeaders(meta), user=user)
        audit = AuditlogMiddleware()
        with translation.override(settings.LANGUAGE_CODE):
            set_cid(request)  # type: ignore[arg-type]
            with set_extra_data(context_data=audit.get_extra_data(request)):
                try:
                    out = call_event_answer(event)
                except InvalidRequest:
                    return None
    except Exception:  # rolled back: Django records it again and answers the error
        return None
    finally:
        signals.request_finished.send(sender=answer)
    content = api.renderer.render(None, out.model_dump(), response_status=200).encode()  # type: ignore[arg-type]
    timing = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
    headers = [
        (b"content-type", api.get_content_type().encode()),
        (b"content-length", str(len(content)).encode()),
        *_middleware_headers(),
        (b"server-timing", timing.encode()),
    ]
    return 200, headers, content


def _meta(scope: dict[str, Any]) -> dict[str, Any] | None:
    """The request's ``META`` as Django builds it, or None for a request that is not plain."""
    if scope.get("scheme", "http") != "http" or scope.get("query_string") or scope.get("root_path"):
        return None
    if settings.SECURE_SSL_REDIRECT or settings.SECURE_PROXY_SSL_HEADER:
        return None
    meta: dict[str, Any] = {"REQUEST_METHOD": METHOD, "PATH_INFO": PATH}
    if scope.get("client"):
        meta["REMOTE_ADDR"], meta["REMOTE_PORT"] = scope["client"][0], scope["client"][1]
    for raw_name, raw_value in scope["headers"]:
        if raw_name in _FOR_DJANGO:
            return None
        name = raw_name.decode("latin1")
        key = name.upper().replace("-", "_")
        corrected = key if key in ("CONTENT_LENGTH", "CONTENT_TYPE") else f"HTTP_{key}"
        if corrected in meta:  # a repeated header: Django joins them, leave it to Django
            return None
        meta[corrected] = raw_value.decode("latin1")
    content_type = meta.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type != "application/json" or not _host_allowed(meta.get("HTTP_HOST", "")):
        return None
    return meta


def _host_allowed(host: str) -> bool:
    """Whether Django's ``request.get_host()`` would accept the Host header."""
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    domain, _ = split_domain_port(host)
    return bool(domain) and validate_host(domain, allowed)


def _bearer(meta: dict[str, Any]) -> str | None:
    """The token of ``Authorization: Bearer <token>``, as the API's ``BearerToken`` reads it."""
    scheme, _, token = meta.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token or token != token.strip() or " " in token:
        return None
    return token


def _middleware_headers() -> list[tuple[bytes, bytes]]:
    """What Django's middlewares add to the endpoint's answer to a plain request over HTTP:
    locale (no cookie, no ``Accept-Language``: the default language), clickjacking and
    security headers."""
    headers: list[tuple[str, str]] = [
        ("vary", "Accept-Language"),
        ("content-language", settings.LANGUAGE_CODE),
        ("x-frame-options", settings.X_FRAME_OPTIONS),
    ]
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append(("x-content-type-options", "nosniff"))
    if policy := settings.SECURE_REFERRER_POLICY:
        headers.append(("referrer-policy", policy if isinstance(policy, str) else ",".join(policy)))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        headers.append(("cross-origin-opener-policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    return [(name.encode(), value.encode()) for name, value in headers]
