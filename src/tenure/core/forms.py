"""Forms of the administration pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tenure.core.models import ImportRun


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportRun.Kind.choices)
    file = forms.FileField(
        label=_("File (CSV or Parquet)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.parquet,.pq"}),
    )
