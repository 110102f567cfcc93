from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomerDataConfig(AppConfig):
    name = "tenure.customerdata"
    label = "customerdata"
    verbose_name = _("Payments and complaints")
