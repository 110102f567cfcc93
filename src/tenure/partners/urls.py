from django.urls import path

from tenure.partners import views

app_name = "partners"
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("<str:number>/", views.detail, name="detail"),
]
