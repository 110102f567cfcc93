"""URL map: pages per app, the REST API under /api/v1, Django admin, login, language switch."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from tenure.api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="partners:search"), name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("partners/", include("tenure.partners.urls")),
    path("customer-value/", include("tenure.customervalue.urls")),
    path("recommendations/", include("tenure.guidance.urls")),
    path("administration/", include("tenure.core.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
