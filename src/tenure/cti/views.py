"""The agent's side of CTI: the event stream every page listens to, and the inbound dialog."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from tenure.cti.broker import broker, relay
from tenure.cti.models import Call
from tenure.cti.selectors import agent_events_after, call_dialog
from tenure.cti.services import call_partner_pick
from tenure.partners.models import BusinessPartner

KEEPALIVE_SECONDS = 15
RETRY_MILLISECONDS = 1000


async def stream(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Server-Sent Events: this agent's call events, live; catches up by ``Last-Event-ID``."""
    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponse(status=401)
    if not await sync_to_async(user.has_perm)("cti.view_call"):
        raise PermissionDenied
    last_id = _last_event_id(request)
    response = StreamingHttpResponse(
        _events(user.pk, last_id), content_type="text/event-stream; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


def _last_event_id(request: HttpRequest) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("last_event_id") or ""
    return int(raw) if raw.isdigit() else None


async def _events(user_id: int, last_id: int | None) -> AsyncGenerator[str, None]:
    await relay.ensure_listening()
    queue = broker.subscribe(user_id)  # first subscribe, then catch up: nothing falls between
    try:
        yield f"retry: {RETRY_MILLISECONDS}\n: connected\n\n"
        missed = await sync_to_async(_catch_up)(user_id, last_id)
        replayed = {message["id"] for message in missed}
        for message in missed:
            yield _frame(message)
        while True:
            try:  # a timeout scope, not wait_for: no task per message on the hot path
                async with asyncio.timeout(KEEPALIVE_SECONDS):
                    message = await queue.get()
            except TimeoutError:
                yield ": keepalive\n\n"
                continue
            # events commit in any order, so ids are not increasing: skip only what was replayed
            if message["id"] not in replayed:
                yield _frame(message)
    finally:
        broker.unsubscribe(user_id, queue)


def _catch_up(user_id: int, last_id: int | None) -> list[dict[str, Any]]:
    """The events a desktop missed; the database connection goes back to the pool at once, since
    a desktop's stream stays open for hours and must not hold one."""
    try:
        return agent_events_after(user_id=user_id, last_id=last_id)
    finally:
        connection.close()


def _frame(message: dict[str, Any]) -> str:
    return f"id: {message['id']}\nevent: call\ndata: {json.dumps(message)}\n\n"


@permission_required("cti.view_call", raise_exception=True)
def dialog(request: HttpRequest, pk: int) -> HttpResponse:
    """The inbound dialog: a fragment for the pop, or a page of its own (for links)."""
    call = get_object_or_404(Call.objects.select_related("partner", "agent"), pk=pk)
    return _render_dialog(request, call)


@require_POST
@permission_required("cti.change_call", raise_exception=True)
def pick(request: HttpRequest, pk: int) -> HttpResponse:
    """The agent picks which of several partners with the caller's number is on the line."""
    call = get_object_or_404(Call, pk=pk)
    partner = get_object_or_404(BusinessPartner, number=request.POST.get("partner", ""))
    try:
        call = call_partner_pick(call=call, partner=partner)
    except ValueError as exc:
        return HttpResponse(str(exc), status=400)
    return _render_dialog(request, call)


def _render_dialog(request: HttpRequest, call: Call) -> HttpResponse:
    with_tile = request.user.has_perm("customervalue.view_customervaluedataset")
    context = {"dialog": call_dialog(call=call, with_tile=with_tile)}
    if getattr(request, "htmx", False):
        return render(request, "cti/partials/dialog.html", context)
    return render(request, "cti/call.html", context)
