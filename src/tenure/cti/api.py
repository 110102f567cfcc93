"""REST API of the telephony interface: the telephony system reports call events."""

from django.http import HttpRequest
from ninja import Router

from tenure.accounts.api import BearerToken, require_permission
from tenure.core.apierrors import InvalidRequest
from tenure.cti.schemas import CallEventIn, CallEventOut
from tenure.cti.services import call_event_record

REPORT_PERMISSION = "cti.add_call"

# A system reports calls, with its token only: without the browser's session auth, a request
# without (or with a wrong) token gets 401, not a misleading "CSRF check Failed" (403).
router = Router(tags=["telephony (CTI)"], auth=BearerToken())


@router.post(
    "/calls",
    response={200: CallEventOut},
    summary="Report an inbound call event (ringing, answered, ended)",
)
def report_call_event(request: HttpRequest, body: CallEventIn) -> CallEventOut:
    """Stores the event once per (call_id, event) and pops the caller on the agent's desktop."""
    require_permission(request, REPORT_PERMISSION)
    return call_event_answer(body)


def call_event_answer(body: CallEventIn) -> CallEventOut:
    """The endpoint's work once the token and the permission are checked: record the event and
    answer. Also called by the lean ASGI route in front of Django (``tenure.cti.lean``)."""
    if body.at is not None and body.at.tzinfo is None:
        reason = "give a time zone (e.g. 2026-11-25T10:15:00+01:00 or …Z)"
        raise InvalidRequest([{"field": "at", "error": reason}], f"at: {reason}")
    result = call_event_record(
        call_id=body.call_id,
        event=body.event,
        caller=body.caller,
        called=body.called,
        extension=body.extension,
        at=body.at,
    )
    call = result.call
    return CallEventOut(
        call_id=call.call_id,
        event=body.event,
        state=call.state,
        duplicate=result.duplicate,
        caller_e164=call.caller_e164,
        partner=call.partner.number if call.partner else None,
        matches=call.matches,
        agent=call.agent.username if call.agent else None,
    )
