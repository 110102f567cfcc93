"""Administration pages: module licences, imports (upload + history), audit trail."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenure.core.forms import UploadForm
from tenure.core.http import HtmxHttpRequest
from tenure.core.models import ImportRun, Module
from tenure.core.services import module_set_active
from tenure.core.tabular import FileRejected

IMPORT_PERMISSIONS = {
    ImportRun.Kind.PARTNERS: "partners.add_businesspartner",
    ImportRun.Kind.CUSTOMER_VALUES: "customervalue.add_customervaluedataset",
}


@permission_required("core.view_module", raise_exception=True)
def modules(request: HttpRequest) -> HttpResponse:
    return render(request, "core/modules.html", {"modules": Module.objects.all()})


@permission_required("core.change_module", raise_exception=True)
@require_POST
def module_toggle(request: HttpRequest, key: str) -> HttpResponse:
    module = get_object_or_404(Module, pk=key)
    module = module_set_active(key=key, active=request.POST.get("active") == "1")
    state = _("active") if module.active else _("inactive")
    messages.success(
        request, _("Module %(name)s is now %(state)s.") % {"name": module.name, "state": state}
    )
    return redirect("core:modules")


@permission_required("core.view_importrun", raise_exception=True)
def imports(request: HtmxHttpRequest) -> HttpResponse:
    may_upload = any(request.user.has_perm(perm) for perm in IMPORT_PERMISSIONS.values())
    form = UploadForm(request.POST or None, request.FILES or None)
    report = rejection = None
    if request.method == "POST":
        if not may_upload:
            return HttpResponse(status=403)
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            if not request.user.has_perm(IMPORT_PERMISSIONS[kind]):
                return HttpResponse(status=403)
            upload = form.cleaned_data["file"]
            try:
                report = _run_upload(kind, upload, request)
            except FileRejected as exc:
                rejection = str(exc)
    runs = Paginator(ImportRun.objects.select_related("user"), 20).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "may_upload": may_upload,
        "report": report,
        "rejection": rejection,
        "runs": runs,
    }
    if request.htmx and request.method == "POST":
        return render(request, "core/partials/import_result.html", context)
    return render(request, "core/imports.html", context)


def _run_upload(kind: str, upload: object, request: HttpRequest) -> object:
    from tenure.customervalue.services import dataset_import_file
    from tenure.partners.services import partner_import_file

    importer = partner_import_file if kind == ImportRun.Kind.PARTNERS else dataset_import_file
    return importer(
        source=upload,  # type: ignore[arg-type]
        file_name=upload.name,  # type: ignore[attr-defined]
        origin=ImportRun.Origin.UPLOAD,
        user=request.user,  # type: ignore[arg-type]
    )


@permission_required("core.view_importrun", raise_exception=True)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ImportRun, pk=pk)
    return render(request, "core/import_detail.html", {"run": run})


@permission_required("auditlog.view_logentry", raise_exception=True)
def audit(request: HttpRequest) -> HttpResponse:
    entries = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit.html", {"page": page})
