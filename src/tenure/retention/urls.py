from django.urls import path

from tenure.retention import views

app_name = "retention"
urlpatterns = [
    path("model-runs/", views.run_list, name="runs"),
    path("model-runs/<int:pk>/", views.run_detail, name="run"),
    path("model-runs/<int:pk>/publish/", views.run_publish, name="publish"),
    path("nps/", views.nps, name="nps"),
    path("partners/<str:number>/crm-summary/", views.crm_summary, name="crm-summary"),
    path("partners/<str:number>/traffic-light/", views.set_light, name="set-light"),
    path("partners/<str:number>/nps/", views.record_nps, name="record-nps"),
]
