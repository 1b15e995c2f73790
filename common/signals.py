"""Keep the cached holiday calendar in step with edits made in the admin."""

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from common.models import CalendarDay
from common.workdays import calendar_changed


@receiver([post_save, post_delete], sender=CalendarDay)
def _calendar_edited(**kwargs: Any) -> None:
    calendar_changed()
