"""Inbound calls reported by the telephony system (SPEC §1.4) and the events they went through.

A call is one row per ``call_id``; each reported event is stored once per (call, event), which makes
the telephony interface idempotent: a repeated event changes nothing and pops nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenure.partners.models import BusinessPartner


class Call(models.Model):
    """An inbound call: who called (as delivered and in E.164), which agent, which partner, when."""

    class State(models.TextChoices):
        RINGING = "ringing", _("ringing")
        ANSWERED = "answered", _("answered")
        ENDED = "ended", _("ended")

    class Outcome(models.TextChoices):
        OPEN = "", _("open")
        ANSWERED = "answered", _("answered")
        MISSED = "missed", _("missed")

    call_id = models.CharField(_("call ID"), max_length=100, unique=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, blank=True, default=""
    )
    caller = models.CharField(_("caller (as delivered)"), max_length=40, blank=True)
    caller_e164 = models.CharField(_("caller (E.164)"), max_length=20, blank=True)
    called = models.CharField(_("called number"), max_length=40, blank=True)
    extension = models.CharField(_("extension"), max_length=20, db_index=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    partner = models.ForeignKey(
        BusinessPartner,
        verbose_name=_("business partner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    matches = models.PositiveSmallIntegerField(_("matching partners"), default=0)
    ringing_at = models.DateTimeField(_("ringing"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "-created_at"], name="call_partner_recent_idx")]

    def __str__(self) -> str:
        return f"{self.call_id} ({self.get_state_display()})"

    @property
    def withheld(self) -> bool:
        return not self.caller_e164 and not self.caller


class CallEvent(models.Model):
    """One reported event of a call; ``id`` is also the Server-Sent Events id for catching up."""

    class Kind(models.TextChoices):
        RINGING = "ringing", _("ringing")
        ANSWERED = "answered", _("answered")
        ENDED = "ended", _("ended")

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    event = models.CharField(_("event"), max_length=10, choices=Kind.choices)
    at = models.DateTimeField(_("at (telephony time)"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("call event")
        verbose_name_plural = _("call events")
        constraints = [models.UniqueConstraint(fields=["call", "event"], name="call_event_once")]
        indexes = [models.Index(fields=["agent", "id"], name="call_event_agent_idx")]

    def __str__(self) -> str:
        return f"{self.call.call_id} {self.event}"
