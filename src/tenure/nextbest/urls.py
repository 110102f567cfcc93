from django.urls import path

from tenure.nextbest import views

app_name = "nextbest"
urlpatterns = [
    path("partners/<str:number>/card/", views.card, name="card"),
    path("decisions/<int:pk>/responses/", views.respond, name="respond"),
    path("response-rates/", views.rates, name="rates"),
]
