from django.contrib import admin

from tenure.partners.models import BusinessPartner, ChannelConsent, PartnerPhoneNumber


class PhoneInline(admin.TabularInline):
    model = PartnerPhoneNumber
    extra = 0


class ConsentInline(admin.TabularInline):
    model = ChannelConsent
    extra = 0


@admin.register(BusinessPartner)
class BusinessPartnerAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "kind", "city", "country", "customer_since", "left_on"]
    search_fields = ["number", "name", "city", "email"]
    list_filter = ["kind", "country"]
    inlines = [PhoneInline, ConsentInline]
