"""Contact consent per channel: set by hand (API, admin) or imported from the system of record.

Campaigns read it when they choose targets: a channel that needs an explicit consent (campaign
settings) takes only partners who granted it, the others everyone except those who refused.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tenure.core import fields
from tenure.core.importing import Importer, width_error
from tenure.core.models import ImportRun
from tenure.core.tabular import Record, RowError
from tenure.partners.models import BusinessPartner, Channel, ChannelConsent

CONSENT_COLUMNS = ("partner", "channel", "granted")
CONSENT_OPTIONAL_COLUMNS = ("recorded_at", "source")
_YES = {"yes", "y", "true", "1", "granted", "ja", "si", "sì"}
_NO = {"no", "n", "false", "0", "refused", "nein"}


def parse_granted(value: object) -> bool:
    text = str(value or "").strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError("expected yes or no")


def consent_set(
    *, partner: BusinessPartner, channel: str, granted: bool, source: str = ""
) -> ChannelConsent:
    """Record a partner's consent for a channel now (audited); the previous answer is replaced."""
    if channel not in Channel.values:
        raise ValueError(
            f"unknown channel {channel!r}; expected one of {', '.join(Channel.values)}"
        )
    consent = ChannelConsent.objects.filter(partner=partner, channel=channel).first()
    consent = consent or ChannelConsent(partner=partner, channel=channel)
    consent.granted, consent.source, consent.recorded_at = granted, source[:100], timezone.now()
    consent.save()
    return consent


class ConsentChunkWriter:
    """Validates delivered consents; writes new and changed ones, so a re-import adds nothing."""

    def __call__(
        self, chunk: list[tuple[int, Record]], run: ImportRun
    ) -> tuple[int, int, int, list[RowError]]:
        numbers = {str(record.get("partner") or "").strip() for _, record in chunk}
        partners = BusinessPartner.objects.in_bulk(list(numbers - {""}), field_name="number")
        stored = {
            (consent.partner_id, consent.channel): consent
            for consent in ChannelConsent.objects.filter(
                partner__in=[partner.pk for partner in partners.values()]
            )
        }
        errors: list[RowError] = []
        created: dict[tuple[int, str], ChannelConsent] = {}
        updated: dict[tuple[int, str], ChannelConsent] = {}
        unchanged = 0
        now = timezone.now()
        for row, record in chunk:
            if (error := width_error(row, record)) is not None:
                errors.append(error)
                continue
            found = len(errors)
            number = str(record.get("partner") or "").strip()
            channel = str(record.get("channel") or "").strip().lower()
            if number not in partners:
                reason = "unknown business partner" if number else "partner number is required"
                errors.append(RowError(row, "partner", reason, number))
            if channel not in Channel.values:
                expected = ", ".join(Channel.values)
                errors.append(RowError(row, "channel", f"expected one of {expected}", channel))
            try:
                granted = parse_granted(record.get("granted"))
            except ValueError as exc:
                errors.append(RowError(row, "granted", str(exc), str(record.get("granted") or "")))
            try:
                day = fields.parse_date(record.get("recorded_at"))
            except ValueError as exc:
                errors.append(RowError(row, "recorded_at", str(exc), str(record["recorded_at"])))
            source = fields.parse_text(record.get("source"), max_length=100) or "import"
            if len(errors) > found:
                continue
            recorded = dt.datetime.combine(day, dt.time(12), dt.UTC) if day else now
            key = (partners[number].pk, channel)
            current = stored.get(key)
            if current is not None and current.granted == granted:
                unchanged += 1
                continue
            consent = current or ChannelConsent(partner_id=key[0], channel=channel)
            consent.granted, consent.recorded_at, consent.source = granted, recorded, source
            (updated if current else created)[key] = consent  # a later row of a pair wins
        ChannelConsent.objects.bulk_create(created.values(), batch_size=1000)
        ChannelConsent.objects.bulk_update(
            updated.values(), ["granted", "recorded_at", "source"], batch_size=1000
        )
        return len(created), len(updated), unchanged, errors


CONSENTS = Importer(
    kind=ImportRun.Kind.CONSENTS,
    required=CONSENT_COLUMNS,
    optional=CONSENT_OPTIONAL_COLUMNS,
    make_writer=lambda user: ConsentChunkWriter(),
    chunk_size=5_000,
)
consent_import_file = CONSENTS.import_file
"""Import consents (CSV or Parquet: partner, channel, granted[, recorded_at, source])."""
consent_import_records = CONSENTS.import_records
