"""Administration → Modules → Recommendations for action: list, create, edit, delete."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenure.core.decorators import module_required
from tenure.core.models import CUSTOMER_VALUE
from tenure.guidance.forms import RecommendationForm
from tenure.guidance.models import Recommendation
from tenure.guidance.services import recommendation_delete, recommendation_save


@module_required(CUSTOMER_VALUE)
@permission_required("guidance.view_recommendation", raise_exception=True)
def recommendation_list(request: HttpRequest) -> HttpResponse:
    rules = Recommendation.objects.select_related("option", "segment", "risk_class")
    return render(request, "guidance/list.html", {"rules": rules})


@module_required(CUSTOMER_VALUE)
@permission_required("guidance.add_recommendation", raise_exception=True)
def recommendation_create(request: HttpRequest) -> HttpResponse:
    form = RecommendationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        rule = recommendation_save(recommendation=form.instance)
        messages.success(request, _("Recommendation %(key)s created.") % {"key": rule.key})
        return redirect("guidance:list")
    return render(request, "guidance/form.html", {"form": form, "rule": None})


@module_required(CUSTOMER_VALUE)
@permission_required("guidance.view_recommendation", raise_exception=True)
def recommendation_edit(request: HttpRequest, key: str) -> HttpResponse:
    rule = get_object_or_404(Recommendation, pk=key)
    may_change = request.user.has_perm("guidance.change_recommendation")
    form = RecommendationForm(request.POST or None, instance=rule)
    if request.method == "POST":
        if not may_change:
            return HttpResponse(status=403)
        if form.is_valid():
            recommendation_save(recommendation=form.instance)
            messages.success(request, _("Recommendation %(key)s saved.") % {"key": rule.key})
            return redirect("guidance:list")
    if not may_change:
        for field in form.fields.values():
            field.disabled = True
    history = LogEntry.objects.get_for_object(rule).select_related("actor")[:50]
    return render(
        request,
        "guidance/form.html",
        {"form": form, "rule": rule, "may_change": may_change, "history": history},
    )


@module_required(CUSTOMER_VALUE)
@permission_required("guidance.delete_recommendation", raise_exception=True)
@require_POST
def recommendation_remove(request: HttpRequest, key: str) -> HttpResponse:
    get_object_or_404(Recommendation, pk=key)
    recommendation_delete(key=key)
    messages.success(request, _("Recommendation %(key)s deleted.") % {"key": key})
    return redirect("guidance:list")
