from django.contrib import admin

from tenure.guidance.models import Recommendation, RecommendationType


@admin.register(RecommendationType)
class RecommendationTypeAdmin(admin.ModelAdmin):
    list_display = ["key", "label", "position"]


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["key", "option", "segment", "risk_class", "customer_value", "text", "discount"]
    list_filter = ["option", "segment", "risk_class"]
