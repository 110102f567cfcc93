from django.urls import path

from tenure.cti import views

app_name = "cti"
urlpatterns = [
    path("stream/", views.stream, name="stream"),
    path("calls/<int:pk>/", views.dialog, name="dialog"),
    path("calls/<int:pk>/partner/", views.pick, name="pick"),
]
