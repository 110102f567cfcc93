from django.urls import path

from tenure.partners import task_views, views

app_name = "partners"
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("tasks/mine/", task_views.my_tasks, name="my-tasks"),
    path("tasks/<int:pk>/done/", task_views.complete_task, name="complete-task"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/notes/", task_views.add_note, name="add-note"),
    path("<str:number>/tasks/", task_views.add_task, name="add-task"),
]
