"""Campaign pages: desktop (filled in by the issue 8 work)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
