"""Writes on credit records: entry, review with four eyes, correction, revocation, evidence.

Every door (workbench form, API, spreadsheet import) calls these functions, so a record is
validated, deduplicated, permission-checked and audited the same way whichever way it came in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Department, User
from audit.services import record_event, snapshot
from common import clock
from common.errors import Conflict, PermissionDeniedError, ServiceError, ValidationFailed
from common.limits import COMMENT, REVIEW_BATCH
from common.text import clean_line, clean_text
from records import rules
from records.models import CreditRecord, Evidence, RecordState, RecordType
from records.rules import publicity_end_date
from records.selectors import visible_records
from records.signals import record_returned, record_state_changed
from subjects.models import Subject

CONTENT_FIELDS = (
    "record_type", "occurred_on", "decided_on", "document_number", "description", "amount",
    "level", "internal_note", "is_public", "publicity_months", "penalty_months",
)

# Evidence: what a reviewer can open in a browser, recognised by content, not by file name.
EVIDENCE_SIGNATURES: dict[str, tuple[bytes, str]] = {
    ".pdf": (b"%PDF-", "application/pdf"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
    ".ofd": (b"PK\x03\x04", "application/ofd"),
}


def _duplicate(document_number: str) -> Conflict:
    return Conflict(
        "duplicate_record",
        _("A record with document number %(n)s from this source department already exists.")
        % {"n": document_number}, field="document_number",
    )


def _validate_content(
    *, record_type: RecordType, occurred_on: dt.date, decided_on: dt.date, document_number: str,
    amount: Decimal | None,
) -> None:
    if not record_type.is_active:
        raise ValidationFailed("inactive_type", _("Record type %(t)s is no longer in use.")
                               % {"t": record_type.name}, field="record_type")
    if not document_number.strip():
        raise ValidationFailed("required", _("The document number is required."),
                               field="document_number")
    today = clock.today()
    if occurred_on > today:
        raise ValidationFailed("future_date", _("The date it occurred cannot be in the future."),
                               field="occurred_on")
    if decided_on > today:
        raise ValidationFailed("future_date", _("The decision date cannot be in the future."),
                               field="decided_on")
    if decided_on < occurred_on:
        raise ValidationFailed("decided_before_occurred",
                               _("The decision date cannot be earlier than the date it occurred."),
                               field="decided_on")
    if amount is not None and amount < 0:
        raise ValidationFailed("negative_amount", _("The amount cannot be negative."),
                               field="amount")


def _validate_publicity(*, record_type: RecordType, months: int | None,
                        penalty_months: int | None) -> None:
    """The finding authority fixes the publicity period within the legal band
    (`records.rules.publicity_band`, 建市〔2017〕241号 第十条); the catalogue's default is
    checked the same way, so a type whose default left its band is refused too."""
    chosen = record_type.publicity_months if months is None else months
    if record_type.polarity == "good" and months is None:
        return  # good information: the catalogue's period (241号 第十条 "一般为3年")
    problem = rules.publicity_period_problem(record_type=record_type, months=chosen,
                                             penalty_months=penalty_months)
    if problem is None:
        return
    band = rules.publicity_band(record_type=record_type)
    values = {"m": chosen, "min": band.min_months, "max": band.max_months,
              "p": penalty_months, "basis": band.basis, "t": record_type.name}
    if problem == "below_penalty":
        message = _("A publicity period of %(m)s months is shorter than the penalty's own "
                    "period of %(p)s months; under 建市〔2017〕241号 第十条 it may not be."
                    ) % values
    else:
        message = _("A publicity period of %(m)s months is outside the legal range for "
                    "“%(t)s”: %(min)s to %(max)s months (%(basis)s).") % values
    raise ValidationFailed("publicity_out_of_band", message, field="publicity_months")


def _save_new(record: CreditRecord) -> None:
    try:
        with transaction.atomic():
            record.save(force_insert=True)
    except IntegrityError as exc:  # a concurrent identical submission won the race
        raise _duplicate(record.document_number) from exc


@transaction.atomic
def record_create(
    *, actor: User, subject: Subject, record_type: RecordType, occurred_on: dt.date,
    decided_on: dt.date, document_number: str, source_department: Department | None = None,
    description: str = "", amount: Decimal | None = None, level: str = "",
    internal_note: str = "", is_public: bool | None = None, submit: bool = False,
    publicity_months: int | None = None, penalty_months: int | None = None,
) -> CreditRecord:
    """Enter a record as a draft (or submit it at once); the publicity end comes from the rule.

    `publicity_months` is the period the finding authority fixed (default: the catalogue's),
    checked against the legal band, as is `penalty_months` (the penalty's own period)."""
    department = source_department or actor.department
    if department is None:
        raise ValidationFailed("required", _("The source department is required."),
                               field="source_department")
    permissions.require(permissions.can_submit_records(actor, department),
                        _("enter records for %(d)s") % {"d": department.name})
    document_number = clean_line(document_number)
    _validate_content(record_type=record_type, occurred_on=occurred_on, decided_on=decided_on,
                      document_number=document_number, amount=amount)
    _validate_publicity(record_type=record_type, months=publicity_months,
                        penalty_months=penalty_months)
    if CreditRecord.objects.filter(
        source_department=department, document_number=document_number
    ).exclude(state=RecordState.REJECTED).exists():
        raise _duplicate(document_number)
    now = clock.now()
    record = CreditRecord(
        subject=subject, record_type=record_type, occurred_on=occurred_on,
        decided_on=decided_on, document_number=document_number, source_department=department,
        description=clean_text(description), amount=amount, level=clean_line(level),
        internal_note=clean_text(internal_note),
        is_public=record_type.is_public if is_public is None else is_public,
        publicity_ends_on=publicity_end_date(record_type=record_type, decided_on=decided_on,
                                             months=publicity_months),
        publicity_months=publicity_months, penalty_months=penalty_months,
        created_by=actor,
    )
    if submit:
        record.submit()
        record.submitted_by, record.submitted_at = actor, now
    _save_new(record)
    record_event(actor=actor, action="record.create", target=record, after=snapshot(record))
    return record


def _locked(record: CreditRecord) -> CreditRecord:
    # of=("self",): lock the record row only, not the joined type, subject and department rows
    # (which every other record shares) on PostgreSQL.
    return CreditRecord.objects.select_for_update(of=("self",)).select_related(
        "record_type", "subject", "source_department"
    ).get(pk=record.pk)


def _require_state(record: CreditRecord, *states: str) -> None:
    if record.state not in states:
        raise Conflict(
            "invalid_state",
            _("This record is %(state)s; the action is not possible in that state.")
            % {"state": record.get_state_display()},
        )


def _require_own_department(actor: User, record: CreditRecord) -> None:
    permissions.require(permissions.can_submit_records(actor, record.source_department),
                        _("change records of %(d)s") % {"d": record.source_department.name})


@transaction.atomic
def record_update_draft(*, actor: User, record: CreditRecord, **changes: Any) -> CreditRecord:
    """Edit a draft before it is submitted; later a record changes only by correction."""
    record = _locked(record)
    _require_own_department(actor, record)
    _require_state(record, RecordState.DRAFT)
    unknown = set(changes) - set(CONTENT_FIELDS)
    if unknown:
        raise ValidationFailed("unknown_field", _("These fields cannot be changed: %(f)s.")
                               % {"f": ", ".join(sorted(unknown))}, field=sorted(unknown)[0])
    before = snapshot(record)
    for key, value in changes.items():
        setattr(record, key, clean_text(value) if isinstance(value, str) else value)
    _validate_content(record_type=record.record_type, occurred_on=record.occurred_on,
                      decided_on=record.decided_on, document_number=record.document_number,
                      amount=record.amount)
    _validate_publicity(record_type=record.record_type, months=record.publicity_months,
                        penalty_months=record.penalty_months)
    if CreditRecord.objects.filter(
        source_department=record.source_department, document_number=record.document_number
    ).exclude(state=RecordState.REJECTED).exclude(pk=record.pk).exists():
        raise _duplicate(record.document_number)
    record.publicity_ends_on = publicity_end_date(record_type=record.record_type,
                                                  decided_on=record.decided_on,
                                                  months=record.publicity_months)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:
        raise _duplicate(record.document_number) from exc
    record_event(actor=actor, action="record.update", target=record, before=before,
                 after=snapshot(record))
    return record


@transaction.atomic
def record_submit(*, actor: User, record: CreditRecord) -> CreditRecord:
    record = _locked(record)
    _require_own_department(actor, record)
    _require_state(record, RecordState.DRAFT)
    record.submit()
    record.submitted_by, record.submitted_at = actor, clock.now()
    record.save()
    record_event(actor=actor, action="record.submit", target=record,
                 before={"state": RecordState.DRAFT}, after={"state": record.state})
    return record


def _require_second_pair_of_eyes(actor: User, record: CreditRecord) -> None:
    """Four eyes: whoever entered or submitted a record never approves or rejects it."""
    if actor.pk in (record.submitted_by_id, record.created_by_id):
        raise PermissionDeniedError(
            "four_eyes",
            _("You entered or submitted this record; another reviewer must decide on it."),
        )


@transaction.atomic
def record_approve(*, actor: User, record: CreditRecord, comment: str = "") -> CreditRecord:
    """Make a submitted record effective; if it is a correction, the old version is superseded.

    Writes one audit event (record.approve), or two for a correction (record.superseded on the
    old version, then record.approve).
    """
    permissions.require(permissions.can_review_records(actor), _("review records"))
    record = _locked(record)
    _require_state(record, RecordState.SUBMITTED)
    _require_second_pair_of_eyes(actor, record)
    record.approve()
    record.reviewed_by, record.reviewed_at = actor, clock.now()
    record.review_comment = comment.strip()
    record.save()
    if record.supersedes_id:
        old = _locked(record.supersedes)
        _require_state(old, RecordState.EFFECTIVE)
        old.mark_corrected()
        old.save()
        record_event(actor=actor, action="record.superseded", target=old,
                     before={"state": RecordState.EFFECTIVE},
                     after={"state": old.state, "by": record.pk})
        record_state_changed.send(sender=CreditRecord, record=old)
    record_event(actor=actor, action="record.approve", target=record,
                 before={"state": RecordState.SUBMITTED},
                 after={"state": record.state, "comment": record.review_comment})
    record_state_changed.send(sender=CreditRecord, record=record)
    return record


@transaction.atomic
def record_reject(*, actor: User, record: CreditRecord, comment: str) -> CreditRecord:
    if not comment.strip():
        raise ValidationFailed("required", _("Give the reason for rejecting the record."),
                               field="comment")
    permissions.require(permissions.can_review_records(actor), _("review records"))
    record = _locked(record)
    _require_state(record, RecordState.SUBMITTED)
    _require_second_pair_of_eyes(actor, record)
    record.reject()
    record.reviewed_by, record.reviewed_at = actor, clock.now()
    record.review_comment = comment.strip()
    record.save()
    record_event(actor=actor, action="record.reject", target=record,
                 before={"state": RecordState.SUBMITTED},
                 after={"state": record.state, "comment": record.review_comment})
    record_returned.send(sender=CreditRecord, record=record)
    return record


class ReviewDecision:
    """What a batch review does to every record it names."""

    APPROVE = "approve"
    REJECT = "reject"
    CHOICES = (APPROVE, REJECT)


@dataclass(frozen=True)
class BatchItem:
    """One record's outcome in a batch review: decided, or refused with the reason shown."""

    record_id: int
    document_number: str
    decided: bool
    code: str = ""
    reason: str = ""


@dataclass(frozen=True)
class BatchOutcome:
    decision: str
    items: tuple[BatchItem, ...]

    @property
    def decided(self) -> list[BatchItem]:
        return [i for i in self.items if i.decided]

    @property
    def refused(self) -> list[BatchItem]:
        return [i for i in self.items if not i.decided]


def records_review_batch(*, actor: User, ids: list[int], decision: str,
                         reason: str = "") -> BatchOutcome:
    """Approve or reject many submitted records at once, each exactly as one by one.

    Each record goes through `record_approve` / `record_reject` in **its own transaction**: the
    same row lock, state check, four-eyes rule (the reviewer never decides what they entered or
    submitted) and audit event as a single decision. One transaction per item, not per batch,
    because each record is its own administrative decision: a refusal (four eyes, or another
    reviewer deciding it a moment earlier) must not undo the others, and a short transaction
    holds its row lock only while that record is decided, so two reviewers batch-approving
    overlapping selections neither wait for each other's whole batch nor deadlock (records are
    taken in ascending id order); whoever locks a record second finds it decided and is refused
    for that item only. At most `REVIEW_BATCH` records per batch; a rejection needs one reason,
    given to every record rejected.
    """
    permissions.require(permissions.can_review_records(actor), _("review records"))
    if decision not in ReviewDecision.CHOICES:
        raise ValidationFailed("invalid_decision", _("Choose to approve or to return."),
                               field="decision")
    reason = clean_text(reason or "").strip()
    if decision == ReviewDecision.REJECT and not reason:
        raise ValidationFailed("required", _("Give the reason for returning the records."),
                               field="reason")
    if len(reason) > COMMENT:
        raise ValidationFailed("too_long", _("The reason may be at most %(n)s characters.")
                               % {"n": COMMENT}, field="reason")
    wanted = sorted({int(i) for i in ids})
    if not wanted:
        raise ValidationFailed("required", _("Select at least one record."), field="ids")
    if len(wanted) > REVIEW_BATCH:
        raise ValidationFailed(
            "batch_too_large",
            _("At most %(max)s records can be decided in one batch; %(n)s were selected.")
            % {"max": REVIEW_BATCH, "n": len(wanted)}, field="ids")
    found = {r.pk: r for r in visible_records(user=actor).filter(pk__in=wanted)}
    decide = record_approve if decision == ReviewDecision.APPROVE else record_reject
    items = []
    for pk in wanted:
        record = found.get(pk)
        if record is None:
            items.append(BatchItem(pk, "", False, "not_found",
                                   str(_("No such record, or you may not see it."))))
            continue
        try:
            with transaction.atomic():
                decide(actor=actor, record=record, comment=reason)
        except ServiceError as exc:
            items.append(BatchItem(pk, record.document_number, False, exc.code,
                                   str(exc.message)))
        else:
            items.append(BatchItem(pk, record.document_number, True))
    return BatchOutcome(decision, tuple(items))


@transaction.atomic
def record_correct(
    *, actor: User, record: CreditRecord, reason: str, **changes: Any
) -> CreditRecord:
    """Propose a corrected version of an effective record; it goes through review like any other.

    The old version stays effective until the correction is approved, then is marked corrected
    and kept (never overwritten), so what the platform showed before can always be proved.
    """
    if not reason.strip():
        raise ValidationFailed("required", _("Give the reason for the correction."),
                               field="reason")
    old = _locked(record)
    _require_own_department(actor, old)
    _require_state(old, RecordState.EFFECTIVE)
    if CreditRecord.objects.filter(supersedes=old).exclude(state=RecordState.REJECTED).exists():
        raise Conflict("correction_pending",
                       _("A correction of this record is already waiting for review."))
    unknown = set(changes) - set(CONTENT_FIELDS) - {"document_number"}
    if unknown:
        raise ValidationFailed("unknown_field", _("These fields cannot be changed: %(f)s.")
                               % {"f": ", ".join(sorted(unknown))}, field=sorted(unknown)[0])
    values = {name: getattr(old, name) for name in CONTENT_FIELDS}
    values.update({k: clean_text(v) if isinstance(v, str) else v for k, v in changes.items()})
    values["document_number"] = old.document_number  # the decision it corrects is the same one
    _validate_content(record_type=values["record_type"], occurred_on=values["occurred_on"],
                      decided_on=values["decided_on"], document_number=values["document_number"],
                      amount=values["amount"])
    _validate_publicity(record_type=values["record_type"], months=values["publicity_months"],
                        penalty_months=values["penalty_months"])
    new = CreditRecord(
        subject=old.subject, source_department=old.source_department, supersedes=old,
        version=old.version + 1, created_by=actor,
        publicity_ends_on=publicity_end_date(record_type=values["record_type"],
                                             decided_on=values["decided_on"],
                                             months=values["publicity_months"]),
        review_comment="", **values,
    )
    new.submit()
    new.submitted_by, new.submitted_at = actor, clock.now()
    _save_new(new)
    record_event(actor=actor, action="record.correct", target=new, before=snapshot(old),
                 after={**snapshot(new), "reason": reason.strip()})
    return new


@transaction.atomic
def record_revoke(*, actor: User, record: CreditRecord, reason: str) -> CreditRecord:
    """Withdraw an effective record (decision annulled, entered in error); it is kept."""
    permissions.require(permissions.can_review_records(actor), _("revoke records"))
    if not reason.strip():
        raise ValidationFailed("required", _("Give the reason for revoking the record."),
                               field="reason")
    record = _locked(record)
    _require_state(record, RecordState.EFFECTIVE)
    record.revoke()
    record.review_comment = reason.strip()
    record.save()
    record_event(actor=actor, action="record.revoke", target=record,
                 before={"state": RecordState.EFFECTIVE},
                 after={"state": record.state, "reason": reason.strip()})
    record_state_changed.send(sender=CreditRecord, record=record)
    return record


def repair_refusal(*, record: CreditRecord, as_of: dt.date) -> str | None:
    """Why credit repair may not end this record's publicity on `as_of`, or None.

    发改委令第36号 / 第58号, 国办发〔2025〕22号: only an effective bad record still in publicity,
    of a type whose publicity may end early, once its minimum period has been reached
    (`records.rules.repair_earliest_date`; the refusal names the day it becomes possible).
    """
    record_type = record.record_type
    if record.state != RecordState.EFFECTIVE or record_type.polarity != "bad":
        return _("Only an effective bad record can be repaired (发改委令第36号).")
    if record.publicity_ends_on < as_of:
        return _("The publicity of record %(n)s already ended on %(d)s; there is nothing to "
                 "repair.") % {"n": record.document_number, "d": record.publicity_ends_on}
    if not record_type.repairable:
        return _("“%(t)s” may not end its publicity early (市场监管总局令第45号: not for "
                 "suspension of business, revocation of a licence or a lowered qualification); "
                 "it ends on %(d)s.") % {"t": record_type.name, "d": record.publicity_ends_on}
    earliest = rules.repair_earliest_date(severity=record_type.severity,
                                          decided_on=record.decided_on)
    if as_of < earliest:
        return _("Credit repair of record %(n)s is possible from %(d)s: the minimum publicity of "
                 "%(m)s months for a %(s)s record must be reached first (发改委令第58号、"
                 "第36号).") % {"n": record.document_number, "d": earliest,
                               "m": rules.repair_minimum_months(severity=record_type.severity),
                               "s": record_type.get_severity_display()}
    return None


@transaction.atomic
def record_repair(*, actor: User, record: CreditRecord, reason: str) -> CreditRecord:
    """Grant credit repair of a bad record: its publicity ends today (发改委令第36号: 终止公示、
    停止共享和使用、解除惩戒, and the evaluation is updated).

    The record leaves the effective state (no grade, list or measure counts it any more) and
    keeps its original dates for the archive; `record_state_changed` re-grades the subject and
    re-checks key supervision and lists in this same transaction.
    """
    permissions.require(permissions.can_review_records(actor), _("grant credit repair"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("required", _("Give the reasons for granting the repair."),
                               field="reasons")
    record = _locked(record)
    today = clock.today()
    refusal = repair_refusal(record=record, as_of=today)
    if refusal:
        raise Conflict("repair_refused", refusal)
    before = {"state": record.state, "publicity_ends_on": record.publicity_ends_on}
    record.repair()
    record.repaired_on = record.publicity_ended_early_on = today
    record.publicity_ends_on = rules.publicity_last_day_after_early_end(
        decided_on=record.decided_on, ended_on=today)
    record.review_comment = reason
    record.save()
    record_event(actor=actor, action="record.repair", target=record, before=before,
                 after={"state": record.state, "repaired_on": today,
                        "publicity_ends_on": record.publicity_ends_on, "reason": reason})
    record_state_changed.send(sender=CreditRecord, record=record)
    return record


@transaction.atomic
def record_end_publicity(*, actor: User | None, record: CreditRecord, ended_on: dt.date,
                         reason: str) -> CreditRecord:
    """End the publicity of a record that stands for a listing when the listing ends
    (expired, lifted): the last day is the day before `ended_on`.

    A black-list entry's own record has no life beyond the entry (国办发〔2020〕49号 (七): a
    list states when a subject leaves it; 建市〔2017〕241号 第十六条). Idempotent: a record whose
    publicity already ends earlier is left as it is. `actor` None is the deadline job.
    """
    record = _locked(record)
    last_day = rules.publicity_last_day_after_early_end(decided_on=record.decided_on,
                                                        ended_on=ended_on)
    if record.state != RecordState.EFFECTIVE or record.publicity_ends_on <= last_day:
        return record
    before = {"publicity_ends_on": record.publicity_ends_on}
    record.publicity_ends_on = last_day
    if ended_on <= clock.today():  # fixed in advance (a listing's period) is not "early"
        record.publicity_ended_early_on = ended_on
    record.save(update_fields=["publicity_ends_on", "publicity_ended_early_on", "updated_at"])
    record_event(actor=actor, action="record.publicity_end", target=record, before=before,
                 after={"publicity_ends_on": last_day, "reason": reason})
    record_state_changed.send(sender=CreditRecord, record=record)
    return record


@transaction.atomic
def record_resume_publicity(*, actor: User, record: CreditRecord, publicity_ends_on: dt.date,
                            reason: str) -> CreditRecord:
    """Give back the publicity a suspension cut short (`record_end_publicity`), up to the last
    day the record had before.

    A red-list entry suspended because a bad record became effective is reinstated when that
    record falls (revoked, corrected away): 国办发〔2020〕49号 (七) asks lists to state how a
    subject leaves and returns, and the commendation's own record counts again from that day.
    Only an effective record whose publicity ends earlier than `publicity_ends_on` changes.
    """
    record = _locked(record)
    if record.state != RecordState.EFFECTIVE or record.publicity_ends_on >= publicity_ends_on:
        return record
    before = {"publicity_ends_on": record.publicity_ends_on}
    record.publicity_ends_on = publicity_ends_on
    record.publicity_ended_early_on = None
    record.save(update_fields=["publicity_ends_on", "publicity_ended_early_on", "updated_at"])
    record_event(actor=actor, action="record.publicity_resume", target=record, before=before,
                 after={"publicity_ends_on": publicity_ends_on, "reason": reason})
    record_state_changed.send(sender=CreditRecord, record=record)
    return record


@dataclass(frozen=True)
class CheckedUpload:
    extension: str
    content_type: str
    sha256: str


def check_upload(*, upload: UploadedFile, field: str, type_message: str) -> CheckedUpload:
    """What every stored document (evidence, a signed commitment) must pass before it is kept:
    not empty, within EVIDENCE_MAX_BYTES, a type a reviewer can open recognised by its content
    and not by its name; returns its type and SHA-256. `type_message` names what was expected
    (with %(name)s), because "evidence" and "signed commitment" read differently to the user."""
    name = upload.name or ""
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise ValidationFailed(
            "file_too_large",
            _("%(name)s is %(size)s; evidence files may be at most %(max)s.")
            % {"name": name, "size": filesizeformat(upload.size),
               "max": filesizeformat(settings.EVIDENCE_MAX_BYTES)}, field=field,
        )
    if upload.size == 0:
        raise ValidationFailed("empty_file", _("%(name)s is empty.") % {"name": name},
                               field=field)
    extension = Path(name).suffix.lower()
    if extension not in EVIDENCE_SIGNATURES:
        raise ValidationFailed("bad_file_type", type_message % {"name": name}, field=field)
    magic, content_type = EVIDENCE_SIGNATURES[extension]
    upload.seek(0)
    head = upload.read(len(magic))
    upload.seek(0)
    if head != magic:
        raise ValidationFailed(
            "bad_file_content",
            _("The content of %(name)s does not match its file type.") % {"name": name},
            field=field,
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(extension=extension, content_type=content_type,
                         sha256=digest.hexdigest())


@transaction.atomic
def evidence_attach(*, actor: User, record: CreditRecord, upload: UploadedFile) -> Evidence:
    """Store an evidence file outside the database, named by its SHA-256, checksum kept."""
    record = _locked(record)
    _require_own_department(actor, record)
    _require_state(record, RecordState.DRAFT, RecordState.SUBMITTED)
    checked = check_upload(
        upload=upload, field="file",
        type_message=_("Evidence must be a PDF, OFD, PNG or JPEG file; %(name)s is not."),
    )
    extension, content_type, sha = checked.extension, checked.content_type, checked.sha256
    if record.evidence.filter(sha256=sha).exists():
        raise Conflict("duplicate_evidence",
                       _("This file is already attached to the record."), field="file")
    evidence = Evidence(
        record=record, original_name=Path(upload.name).name[:200], extension=extension,
        content_type=content_type, size=upload.size, sha256=sha, uploaded_by=actor,
    )
    evidence.file.save("ignored", upload, save=False)
    try:
        try:
            with transaction.atomic():
                evidence.save()
        except IntegrityError as exc:  # the same file attached concurrently
            raise Conflict("duplicate_evidence",
                           _("This file is already attached to the record."),
                           field="file") from exc
        record_event(actor=actor, action="record.evidence", target=record,
                     after={"file": evidence.original_name, "sha256": sha, "size": upload.size})
    except Exception:
        evidence.file.delete(save=False)
        raise
    return evidence
