"""Datasets saved or deleted through the ORM (admin, test factories, demo data) keep their
partner's current row: the bulk writers do it themselves (:mod:`tenure.customervalue.current`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tenure.customervalue.current import (
    current_value_add,
    current_value_forget,
    current_values_refresh,
)
from tenure.customervalue.models import CurrentCustomerValue, CustomerValueDataset
from tenure.partners.models import BusinessPartner


@receiver(post_save, sender=CustomerValueDataset, dispatch_uid="current_value_on_save")
def dataset_saved(instance: CustomerValueDataset, created: bool, **kwargs: Any) -> None:
    if created:
        current_value_add(dataset_id=instance.pk)
        return
    # changed in place (never by Tenure itself): its partner, and the one it may have left
    partners = {instance.partner_id}
    partners.update(
        CurrentCustomerValue.objects.filter(dataset_id=instance.pk).values_list(
            "partner_id", flat=True
        )
    )
    current_values_refresh(partner_ids=partners)


@receiver(post_delete, sender=CustomerValueDataset, dispatch_uid="current_value_on_delete")
def dataset_deleted(instance: CustomerValueDataset, origin: Any = None, **kwargs: Any) -> None:
    if isinstance(origin, BusinessPartner) or (
        isinstance(origin, QuerySet) and origin.model is BusinessPartner
    ):
        return  # the partner goes, and its current row with it (CASCADE)
    current_value_forget(partner_id=instance.partner_id, dataset_id=instance.pk)
