from django.contrib import admin

from tenure.partners.models import BusinessPartner, ChannelConsent, Note, PartnerPhoneNumber, Task


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


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["partner", "author", "created_at", "pinned", "text"]
    list_filter = ["pinned"]
    search_fields = ["partner__number", "text"]
    raw_id_fields = ["partner"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "partner", "assignee", "due_on", "status", "done_at"]
    list_filter = ["status"]
    search_fields = ["partner__number", "title"]
    raw_id_fields = ["partner"]
