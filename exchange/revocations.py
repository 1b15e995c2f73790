"""双公示 rows that revoke a decision (CF_ZT / XK_ZT = 2, 撤销): they revoke what they name and
never create anything new.

The status column is `CF_ZT` / `XK_ZT` in the current sets and in the 2016 sets alike
(REFERENCE.md §5.1 (a)-(c); 1 = 有效, 2 = 撤销). A revocation names a decision by its source
department and document number — the key every door uses — and:

- a penalty (or a licence that became a credit record through the mapping table) gets a
  revocation request on the matching record, which a reviewer other than the importer decides
  (`revocation_decide`): records change only through the normal four-eyed review;
- a licence kept as a neutral fact (its ledger lines are its only store) is revoked at once: the
  row's ledger line (outcome `revoked`) closes the fact's chain, with the audit event
  `exchange.licence_revoke`. There is no record and no grade to protect, so nothing waits;
- a revocation naming nothing this source sent is refused with its reason: nothing is silently
  dropped.

The same revocation again is a duplicate (idempotent): a record already revoked or with a
request pending, a licence fact already revoked.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Department, User
from audit.services import record_event
from common import clock
from common.errors import Conflict, PermissionDeniedError, ValidationFailed
from exchange.feed_models import FeedKind, ImportBatch, ImportedRow, RevocationRequest, RowOutcome
from records.models import CreditRecord, RecordState
from records.services import record_reject, record_revoke
from subjects.models import Subject

#: The ledger outcomes of a licence kept as a fact, oldest to newest: granted, changed, revoked.
LICENCE_CHAIN = (RowOutcome.FACT, RowOutcome.CORRECTION, RowOutcome.REVOKED)


def _newest_licence_line(source: Department, document_number: str,
                         outcomes: tuple[str, ...]) -> ImportedRow | None:
    return (ImportedRow.objects.filter(source=source, kind=FeedKind.LICENCE,
                                       document_number=document_number, outcome__in=outcomes)
            .order_by("-id").first())


def licence_fact_latest(*, source: Department, document_number: str) -> ImportedRow | None:
    """The newest ledger line of the licence fact (source, document number): a grant, a changed
    grant, or its revocation; None when this source never sent that licence as a fact."""
    return _newest_licence_line(source, document_number, LICENCE_CHAIN)


def licence_fact_granted(*, source: Department, document_number: str) -> ImportedRow | None:
    """The newest version of the licence fact as granted (its revocation left aside)."""
    return _newest_licence_line(source, document_number, LICENCE_CHAIN[:2])


def apply_revocation(*, actor: User, source: Department, batch: ImportBatch, kind: str,
                     row_number: int, document_number: str, reason: str
                     ) -> tuple[str, CreditRecord | None, Subject | None]:
    """One revocation row (国发〔2016〕33号: the 双公示 feed keeps the public record current, so a
    decision revoked at the source is revoked here too): a licence fact is revoked at once, a
    record gets a revocation request for review; refused when it names nothing we hold.

    Returns the row's ledger outcome (`revoked`, `revocation` or `duplicate`) with the record
    and subject it concerns; runs inside the row's transaction (its ledger line follows)."""
    if kind == FeedKind.LICENCE:
        latest = licence_fact_latest(source=source, document_number=document_number)
        if latest is not None:
            return revoke_licence_fact(actor=actor, batch=batch, latest=latest,
                                       row_number=row_number, reason=reason), None, latest.subject
    return request_record_revocation(actor=actor, source=source, batch=batch, kind=kind,
                                     row_number=row_number, document_number=document_number,
                                     reason=reason)


def revoke_licence_fact(*, actor: User, batch: ImportBatch, latest: ImportedRow,
                        row_number: int, reason: str) -> str:
    """A licence kept as a fact is revoked at once (XK_ZT = 2): the caller writes the row's
    ledger line with the outcome returned, which closes the fact's chain; audited as
    `exchange.licence_revoke`, naming the version revoked. Already revoked: a duplicate."""
    if latest.outcome == RowOutcome.REVOKED:
        return RowOutcome.DUPLICATE
    record_event(actor=actor, action="exchange.licence_revoke", target=latest,
                 before={"outcome": latest.outcome, "batch": latest.batch_id,
                         "row": latest.row_number},
                 after={"document_number": latest.document_number, "batch": batch.number,
                        "row": row_number, "reason": reason})
    return RowOutcome.REVOKED


def request_record_revocation(*, actor: User, source: Department, batch: ImportBatch,
                              kind: str, row_number: int, document_number: str, reason: str
                              ) -> tuple[str, CreditRecord | None, Subject | None]:
    """A revoked decision that is a credit record here: a revocation request on the record in
    force (same source, same document number), decided by another reviewer
    (`revocation_decide`); never a new record. The same revocation again is a duplicate.
    Refused, with the reason, when nothing matches or the record cannot be revoked."""
    latest = (CreditRecord.objects.filter(source_department=source,
                                          document_number=document_number)
              .exclude(state=RecordState.REJECTED).select_related("subject")
              .order_by("-version").first())
    if latest is None:
        if kind == FeedKind.LICENCE:
            raise Conflict("nothing_to_revoke",
                           _("The row revokes licence %(n)s, but this source has sent no "
                             "licence or record with that document number; nothing was "
                             "revoked.") % {"n": document_number}, field="document_number")
        raise Conflict("nothing_to_revoke",
                       _("The row revokes decision %(n)s, but no record with that document "
                         "number from this source exists; nothing was revoked.")
                       % {"n": document_number}, field="document_number")
    if latest.state == RecordState.REVOKED:
        return RowOutcome.DUPLICATE, latest, latest.subject
    if RevocationRequest.objects.filter(record=latest,
                                        state=RevocationRequest.State.PENDING).exists():
        return RowOutcome.DUPLICATE, latest, latest.subject
    if latest.state not in (RecordState.EFFECTIVE, RecordState.SUBMITTED):
        raise Conflict("not_revocable",
                       _("The record with document number %(n)s is %(s)s; a revocation cannot "
                         "apply to it.") % {"n": document_number,
                                            "s": latest.get_state_display()},
                       field="document_number")
    request = RevocationRequest.objects.create(
        record=latest, batch=batch, row_number=row_number, reason=reason[:2000],
        requested_by=actor, requested_at=clock.now())
    record_event(actor=actor, action="exchange.revocation_request", target=latest,
                 after={"request": request.pk, "batch": batch.number, "row": row_number,
                        "reason": request.reason})
    return RowOutcome.REVOCATION, latest, latest.subject


@transaction.atomic
def revocation_decide(*, actor: User, request: RevocationRequest, approve: bool,
                      comment: str = "") -> RevocationRequest:
    """A reviewer decides a revocation a feed asked for (four eyes: never the importer).

    Approved: an effective record is revoked (`records.services.record_revoke`, kept, shown as
    revoked); a record still under review is rejected with the revocation as its reason
    (`record_reject`), so it never becomes effective. Refused: the record stays as it is and the
    reason is kept.
    """
    permissions.require(permissions.can_review_records(actor), _("review revocations"))
    request = RevocationRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != RevocationRequest.State.PENDING:
        raise Conflict("already_decided", _("This revocation has already been decided."))
    if actor.pk == request.requested_by_id:
        raise PermissionDeniedError(
            "four_eyes", _("You imported this revocation; another reviewer must decide on it."))
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationFailed("required", _("Give the reason for refusing the revocation."),
                               field="comment")
    if approve:
        reason = comment or request.reason or _("Revoked by the source department (双公示 "
                                                "feed %(b)s, row %(r)d).") % {
            "b": request.batch.number, "r": request.row_number}
        record = request.record
        if record.state == RecordState.SUBMITTED:
            record_reject(actor=actor, record=record, comment=reason)
        else:
            record_revoke(actor=actor, record=record, reason=reason)
    request.state = (RevocationRequest.State.APPROVED if approve
                     else RevocationRequest.State.REFUSED)
    request.decided_by, request.decided_at, request.comment = actor, clock.now(), comment
    request.save(update_fields=["state", "decided_by", "decided_at", "comment"])
    record_event(actor=actor, action="exchange.revocation_decided", target=request.record,
                 after={"request": request.pk, "state": request.state, "comment": comment})
    return request
