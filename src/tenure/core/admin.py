from django.contrib import admin

from tenure.core.models import ImportRun, Module


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "active"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "kind",
        "origin",
        "file_name",
        "started_by",
        "status",
        "accepted",
        "rejected",
    ]
    list_filter = ["kind", "origin", "status"]
    readonly_fields = [field.name for field in ImportRun._meta.fields]
