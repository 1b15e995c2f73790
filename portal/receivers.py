"""Every new credit check gets its verification token in the transaction that stores it, so the
certificate printed a second later already carries the token link."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from approvals.models import CreditCheck
from portal import services


@receiver(post_save, sender=CreditCheck, dispatch_uid="portal.check_token")
def issue_check_token(sender: Any, instance: CreditCheck, created: bool, **kwargs: Any) -> None:
    if created and not kwargs.get("raw"):
        services.check_document(check=instance)
