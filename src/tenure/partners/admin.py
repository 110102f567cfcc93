from django.contrib import admin

from tenure.partners.models import BusinessPartner, PartnerPhoneNumber


class PhoneInline(admin.TabularInline):
    model = PartnerPhoneNumber
    extra = 0


@admin.register(BusinessPartner)
class BusinessPartnerAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "kind", "city", "country"]
    search_fields = ["number", "name", "city", "email"]
    list_filter = ["kind", "country"]
    inlines = [PhoneInline]
