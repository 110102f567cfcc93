"""A new call, its audit entry, its first event and the desktop notification in one statement.

On PostgreSQL this is the telephony API's hot path: the ORM's three inserts (call, django-auditlog
entry, event) and a separate ``pg_notify`` took about half of the server's CPU per event and four
round trips (docs/benchmarks.md, section 3). The ids come from the sequences beforehand, so every
row is complete in Python; the audit entry is built by django-auditlog's own diff and context (actor,
address, correlation id), exactly as its ``post_save`` receiver would write it
(``tests/test_onestatement.py`` compares the two). SQLite and later events of a call use the ORM.
"""

from __future__ import annotations

import functools
from typing import Any

from auditlog.cid import get_cid
from auditlog.context import auditlog_disabled
from auditlog.diff import model_instance_diff
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import post_log, pre_log
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models.signals import pre_save
from django.utils.encoding import smart_str

from tenure.cti.broker import CHANNEL, payload
from tenure.cti.models import Call, CallEvent


def sequence_sql(model: type[models.Model]) -> str:
    """SQL for the next id of the model's table (PostgreSQL)."""
    table = model._meta.db_table
    return f"nextval(pg_get_serial_sequence('{table}', 'id'))"


def call_insert_with_event(
    call: Call, recorded: CallEvent, user_ids: list[int], message: dict[str, Any]
) -> None:
    """Insert the call (its ``pk`` already drawn), its audit entry and the event (``pk`` drawn
    too), and notify the agents' desktops at commit, in one statement."""
    entry = _audit_entry(call)
    rows: list[models.Model] = [call, recorded] if entry is None else [call, recorded, entry]
    entry_id = _insert(rows, user_ids, message)
    if entry is not None:
        entry.pk = entry_id
        post_log.send(Call, instance=call, instance_old=None, action=entry.action, error=None,
                      pre_log_results=[], changes=entry.changes, log_entry=entry,
                      log_created=True, use_json_for_changes=_use_json())  # fmt: skip


def event_insert(recorded: CallEvent, user_ids: list[int], message: dict[str, Any]) -> None:
    """Insert a later event of a call (``pk`` drawn) and notify the desktops, in one statement."""
    _insert([recorded], user_ids, message)


def _insert(rows: list[models.Model], user_ids: list[int], message: dict[str, Any]) -> Any:
    """Insert the rows (ids drawn before, or for the last row from its table's sequence) and
    notify; returns the last row's id."""
    params: list[Any] = []
    for row in rows:
        params += _values(row, with_pk=row.pk is not None)
    if user_ids:
        params += [CHANNEL, payload(user_ids, message)]
    shape = tuple((type(row), row.pk is not None) for row in rows)
    with connection.cursor() as cursor:
        cursor.execute(_statement(shape, bool(user_ids)), params)
        last_id = cursor.fetchone()[0]
    for row in rows:
        row.pk = row.pk if row.pk is not None else last_id
        row._state.adding = False
    return last_id


def _use_json() -> bool:
    return bool(getattr(settings, "AUDITLOG_STORE_JSON_CHANGES", False))


def _audit_entry(call: Call) -> Any:
    """The entry django-auditlog's ``post_save`` receiver would create for the new call."""
    if auditlog_disabled.get() or not auditlog.contains(Call):
        return None
    vetoes = pre_log.send(Call, instance=call, action=LogEntry.Action.CREATE)
    if any(answer is False for _, answer in vetoes):
        return None
    changes = model_instance_diff(None, call, use_json_for_changes=_use_json())
    entry = LogEntry(
        content_type=ContentType.objects.get_for_model(call),
        object_pk=str(call.pk),
        object_id=call.pk,
        object_repr=smart_str(call),
        action=LogEntry.Action.CREATE,
        changes=changes,
        serialized_data=LogEntry.objects._get_serialized_data_or_none(call),
        cid=get_cid(),
    )
    # the request's actor, address and port, which django-auditlog's context sets in pre_save
    pre_save.send(LogEntry, instance=entry, raw=False, using=connection.alias, update_fields=None)
    return entry


def _values(row: models.Model, *, with_pk: bool) -> list[Any]:
    return [
        field.get_db_prep_save(field.pre_save(row, True), connection)
        for field in _fields(type(row), with_pk)
    ]


def _fields(model: type[models.Model], with_pk: bool) -> list[models.Field[Any, Any]]:
    fields = model._meta.local_concrete_fields
    return [field for field in fields if with_pk or not field.primary_key]


@functools.cache
def _statement(shape: tuple[tuple[type[models.Model], bool], ...], notify: bool) -> str:
    quote = connection.ops.quote_name
    inserts = []
    for number, (model, with_pk) in enumerate(shape):
        fields = _fields(model, with_pk)
        columns = ", ".join(quote(field.column) for field in fields)
        values = ", ".join(["%s"] * len(fields))
        table = quote(model._meta.db_table)
        inserts.append(f"row{number} AS (INSERT INTO {table} ({columns}) VALUES ({values})"
                       f" RETURNING {quote(model._meta.pk.column)})")  # fmt: skip
    last = f"(SELECT * FROM row{len(shape) - 1})"
    final = f"SELECT {last}, pg_notify(%s, %s)" if notify else f"SELECT {last}"
    return f"WITH {', '.join(inserts)} {final}"
