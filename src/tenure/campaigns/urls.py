from tenure.campaigns.views import desktop, manage, uplift

app_name = "campaigns"
urlpatterns = [*manage.urlpatterns, *desktop.urlpatterns, *uplift.urlpatterns]
