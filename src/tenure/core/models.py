"""Licensed modules: a module's entities, tiles, pages and API appear only while it is active."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

CUSTOMER_VALUE = "customer_value"


class Module(models.Model):
    """A licensed part of Tenure that an administrator switches on or off (audited)."""

    key = models.CharField(_("key"), max_length=40, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["key"]

    def __str__(self) -> str:
        return str(self.name)


class ImportRun(models.Model):
    """One import of a file or an API batch: who, when, what came in and what was rejected.

    Creating and finishing a run is audited; the rows it wrote point back to it.
    """

    class Kind(models.TextChoices):
        PARTNERS = "partners", _("Business partners")
        CUSTOMER_VALUES = "customer_values", _("Customer value datasets")
        PAYMENTS = "payments", _("Payments")
        COMPLAINTS = "complaints", _("Complaints")
        TRAFFIC_LIGHTS = "traffic_lights", _("Traffic lights")
        CONSENTS = "consents", _("Contact consents")
        PRODUCTS = "products", _("Products")
        HOLDINGS = "holdings", _("Product holdings")

    class Origin(models.TextChoices):
        CLI = "cli", _("Command line")
        UPLOAD = "upload", _("Upload page")
        API = "api", _("REST API")
        DEMO = "demo", _("Demo data")
        MODEL = "model", _("Model run")

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        REJECTED = "rejected", _("file rejected")
        INTERRUPTED = "interrupted", _("interrupted")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    user = models.ForeignKey(
        "auth.User", verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL
    )
    started_by = models.CharField(_("started by"), max_length=150, blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RUNNING
    )
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicates"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    message = models.TextField(_("message"), blank=True)
    errors = models.JSONField(_("first errors"), default=list, blank=True)

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name or self.get_origin_display()} ({self.started_at:%Y-%m-%d %H:%M})"
