"""The label of where targets came from ("search: High churn risk", "list: winter.csv"), shown
in the user's language.

The label is stored in English as written when populating (a stable record for the API and the
exports); its kind is translated when shown, the name after it stays as the user gave it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

SOURCE_KINDS = {
    "search": gettext_noop("search: %(name)s"),
    "segment": gettext_noop("segment: %(name)s"),
    "list": gettext_noop("list: %(name)s"),
    "next best action": gettext_noop("next best action: %(name)s"),
}
"""The kinds of source a label begins with ("kind: name"), and how each is shown."""


def source_display(label: str) -> str:
    """``label`` with its kind in the active language; a label of another form as it is."""
    kind, separator, name = label.partition(": ")
    if not separator or kind not in SOURCE_KINDS:
        return label
    return _(SOURCE_KINDS[kind]) % {"name": name}
