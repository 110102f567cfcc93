from django.contrib import admin

from tenure.customerdata.models import Complaint, Payment, Product, ProductHolding


class _ImportedAdmin(admin.ModelAdmin):
    """Read-only: payments and complaints come from imports, which also update them. Deleting is
    allowed (an administrator removing a wrong delivery) and recorded by the audit log."""

    raw_id_fields = ["partner", "import_run"]
    list_select_related = ["partner"]
    show_full_result_count = False  # counting a large table on every page costs more than it says

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Payment)
class PaymentAdmin(_ImportedAdmin):
    list_display = ["partner", "reference", "due_date", "paid_date", "amount", "imported_at"]
    list_filter = [("paid_date", admin.EmptyFieldListFilter), "due_date"]
    search_fields = ["partner__number", "reference"]
    date_hierarchy = "due_date"


@admin.register(Complaint)
class ComplaintAdmin(_ImportedAdmin):
    list_display = ["partner", "reference", "opened", "closed", "severity", "subject"]
    list_filter = ["severity", ("closed", admin.EmptyFieldListFilter), "opened"]
    search_fields = ["partner__number", "reference", "subject"]
    date_hierarchy = "opened"


@admin.register(ProductHolding)
class ProductHoldingAdmin(_ImportedAdmin):
    list_display = ["partner", "reference", "product", "started", "ended", "imported_at"]
    list_filter = ["product", ("ended", admin.EmptyFieldListFilter)]
    search_fields = ["partner__number", "reference"]
    list_select_related = ["partner", "product"]
    date_hierarchy = "started"


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """The product catalogue the holdings and the product recommendations name (audited)."""

    list_display = ["key", "name", "category", "features", "active"]
    list_filter = ["category", "active"]
    search_fields = ["key", "name", "category", "features"]
    prepopulated_fields = {"key": ["name"]}
