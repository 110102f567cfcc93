from django.urls import path

from tenure.guidance import views

app_name = "guidance"
urlpatterns = [
    path("", views.recommendation_list, name="list"),
    path("new/", views.recommendation_create, name="create"),
    path("<str:key>/", views.recommendation_edit, name="edit"),
    path("<str:key>/delete/", views.recommendation_remove, name="delete"),
]
