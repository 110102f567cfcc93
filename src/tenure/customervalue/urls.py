from django.urls import path

from tenure.customervalue import views

app_name = "customervalue"
urlpatterns = [
    path("partners/<str:number>/history/", views.history, name="history"),
]
