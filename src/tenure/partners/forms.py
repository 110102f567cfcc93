"""The form for creating a business partner by hand (e.g. for an unknown caller)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tenure.partners.models import BusinessPartner


class PartnerForm(forms.Form):
    number = forms.CharField(label=_("Partner number"), max_length=30)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=BusinessPartner.Kind.choices)
    street = forms.CharField(label=_("Street"), max_length=200, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.CharField(label=_("Country (ISO code)"), max_length=2, required=False)
    phone = forms.CharField(
        label=_("Phone numbers"), required=False, help_text=_("Several separated by ;")
    )
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
