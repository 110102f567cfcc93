"""URL map: pages per app, the REST API under /api/v1, Django admin, login, language switch."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from tenure.api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="partners:search"), name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # the switcher is on the login page too, so it must work before login
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("partners/", include("tenure.partners.urls")),
    path("customer-value/", include("tenure.customervalue.urls")),
    path("recommendations/", include("tenure.guidance.urls")),
    path("administration/", include("tenure.core.urls")),
    path("cti/", include("tenure.cti.urls")),
    path("retention/", include("tenure.retention.urls")),
    path("reports/", include("tenure.reports.urls")),
    path("campaigns/", include("tenure.campaigns.urls")),
    path("next-best-actions/", include("tenure.nextbest.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
