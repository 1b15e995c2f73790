"""The audited reads the API makes on a token's behalf, and the change feed's writes (a row in
the outbox, and the sequencing step that puts committed rows in order). Tokens themselves
(issue, revoke) are `accounts.api_tokens`."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import ApiToken, Scope
from audit.services import record_event
from common import clock
from common.errors import PermissionDeniedError
from exchange.change_models import ChangeEvent, ChangeSequence
from subjects.masking import masked_fields
from subjects.models import Subject


@transaction.atomic
def api_reveal_personal_data(*, token: ApiToken, subject: Subject, purpose: str = "") -> bool:
    """Whether the subject's personal fields (ID number, address, phone) go out in full: only
    to a token granted `personal:read`, audited per read (《个人信息保护法》 第五十一条).

    `subjects.services.subject_reveal_personal_data` asks the actor's *role*; a token's service
    account is a clerk (so that its records need a reviewer), and the explicit scope an
    administrator granted is the permission here. The event uses the same action name, so one
    audit query finds every unmasked view whichever door it came through.
    """
    fields = masked_fields(subject)
    if not fields:
        return True  # nothing personal to hide (an enterprise without a phone)
    if Scope.PERSONAL_DATA not in token.scopes:
        raise PermissionDeniedError("missing_scope",
                                    _("This token may not see full personal data."))
    record_event(actor=token.user, action="subject.unmask", target=subject,
                 after={"purpose": purpose, "fields": fields, "via": "api",
                        "token": token.prefix})
    return True


def api_reveal_subject_code(*, token: ApiToken, subject: Subject, purpose: str = "") -> str:
    """An individual's full ID number (and with it the other personal fields), audited."""
    if subject.kind != Subject.Kind.INDIVIDUAL:
        return subject.code
    api_reveal_personal_data(token=token, subject=subject, purpose=purpose)
    return subject.code


# --- the change feed ------------------------------------------------------------------------
#: Sequenced per pass at most (a reader's pass stays short; the next pass takes the rest).
SEQUENCE_BATCH = 10_000


def append_change(*, kind: str, action: str, object_id: int, payload: dict[str, Any]
                  ) -> ChangeEvent:
    """Add one row to the outbox, unsequenced, in the caller's transaction (the receivers run
    inside the changing service's), so the change and its row commit or roll back together."""
    return ChangeEvent.objects.create(kind=kind, action=action, object_id=object_id,
                                      occurred_at=clock.now(), payload=payload)


def _head() -> ChangeSequence:
    head = ChangeSequence.objects.select_for_update().filter(pk=1).first()
    if head is None:
        try:
            with transaction.atomic():
                ChangeSequence.objects.create(pk=1, last=0)
        except IntegrityError:  # another reader created it first
            pass
        head = ChangeSequence.objects.select_for_update().get(pk=1)
    return head


def sequence_changes(*, batch: int = SEQUENCE_BATCH) -> int:
    """Give positions to the outbox rows committed so far; returns how many were given.

    Under the lock of the one `ChangeSequence` row: the rows visible now (committed) get
    `position = id + offset`, with the offset chosen so that every new position exceeds the
    last one given. A row still uncommitted is invisible here and is given a larger position
    by a later pass, which is what keeps a consumer from skipping it. Positions keep the rows'
    insertion order within a pass; gaps are allowed (the cursor is opaque).
    """
    unsequenced = ChangeEvent.objects.filter(position__isnull=True)
    if not unsequenced.exists():  # the common case: no lock, no write
        return 0
    with transaction.atomic():
        head = _head()
        ids = list(unsequenced.order_by("id").values_list("id", flat=True)[:batch])
        if not ids:
            return 0
        low, high = ids[0], ids[-1]
        offset = max(0, head.last - low + 1)
        # Only rows in [low, high]: a row below `low` that commits meanwhile waits for the next
        # pass (its position there will exceed `head.last`).
        done = (ChangeEvent.objects.filter(position__isnull=True, id__gte=low, id__lte=high)
                .update(position=F("id") + offset))
        ChangeSequence.objects.filter(pk=1).update(last=high + offset)
    return done
