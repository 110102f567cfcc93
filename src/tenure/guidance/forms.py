"""The form administrators use to keep recommendations for action."""

from __future__ import annotations

from django import forms

from tenure.guidance.models import Recommendation


class RecommendationForm(forms.ModelForm):
    class Meta:
        model = Recommendation
        fields = [
            "key",
            "option",
            "segment",
            "risk_class",
            "customer_value",
            "churn_score_from",
            "churn_score_to",
            "bad_debt_score_from",
            "bad_debt_score_to",
            "text",
            "discount",
            "valid_from",
            "valid_to",
            "priority",
        ]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "text": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if self.instance.pk:
            self.fields["key"].disabled = True
