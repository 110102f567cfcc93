from django.urls import path

from tenure.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.search, name="search"),
    path("export.<str:fmt>", views.export, name="export"),
    path("saved/", views.saved_list, name="saved"),
    path("saved/new/", views.save, name="save"),
    path("saved/<int:pk>/update/", views.update, name="update"),
    path("saved/<int:pk>/delete/", views.delete, name="delete"),
]
