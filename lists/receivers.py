"""React at once when a credit record becomes effective, is corrected or is revoked.

Connected to `records.signals.record_state_changed`, which the records services send inside
their transaction, so the list change commits or rolls back with the record itself.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from common import clock
from lists import services
from records.models import CreditRecord
from records.signals import record_state_changed


@receiver(record_state_changed, dispatch_uid="lists.record_state_changed")
def record_changed(sender: Any, record: CreditRecord, **kwargs: Any) -> None:
    """Key supervision follows the subject's records; a bad record of the set severity removes
    the subject from the red list at once."""
    services.red_remove_for_record(record=record)
    services.key_supervision_sync(subject_ids=[record.subject_id], as_of=clock.today())
