from django.urls import path

from tenure.customervalue import views

app_name = "customervalue"
urlpatterns = [
    path("partners/<str:number>/history/", views.history, name="history"),
    path("model-runs/", views.model_runs, name="model-runs"),
    path("model-runs/<int:pk>/", views.model_run_detail, name="model-run"),
]
