from django.urls import path

from tenure.retention import views

app_name = "retention"
urlpatterns = [
    path("model-runs/", views.run_list, name="runs"),
    path("model-runs/<int:pk>/", views.run_detail, name="run"),
    path("model-runs/<int:pk>/publish/", views.run_publish, name="publish"),
]
