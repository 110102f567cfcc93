from django.urls import path

from tenure.core import views

app_name = "core"
urlpatterns = [
    path("modules/", views.modules, name="modules"),
    path("modules/<str:key>/", views.module_toggle, name="module-toggle"),
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("audit/", views.audit, name="audit"),
]
