"""The credit report (信用报告) and the validity of every verifiable document.

A credit report states, as of its date: who the subject is, its grade and why (the scoring
evaluator's line-by-line explanation of that grade), its public records, its list entries and
the commitments it kept and broke: the categories 6, 8 and 9 of 《全国公共信用信息基础目录
（2021年版）》 (serious-dishonesty lists, commitments and their fulfilment, evaluation results)
beside the records. Where the rules let a credit report stand in for a 无违法违规证明, it must be
checkable by whoever receives it, so it carries the issuing authority, the date, a QR code and
a verification link to the token page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from common import clock
from common.pdf import render_pdf
from lists.models import BlackState, NoticeDocument, RedState, SanctionState
from portal import conf, selectors
from portal.models import NOTICE_KINDS, VerifiableDocument
from records.models import RecordState
from scoring import selectors as scoring_selectors
from scoring.models import BatchStatus
from subjects.models import Subject


@dataclass(frozen=True)
class Status:
    code: str  # valid, revoked, superseded, expired, ended
    label: str
    valid: bool


def document_status(*, document: VerifiableDocument) -> Status:
    """Whether an issued document still stands today, and if not why: revoked first (it was
    issued in error), then superseded by a newer one, then past its validity; a notice or
    decision of the lists also follows its entry as of today (`notice_status`)."""
    today = clock.today()
    if document.revoked_at is not None:
        return Status("revoked", _("Revoked"), False)
    if document.superseded_by_id is not None:
        return Status("superseded", _("Superseded by a newer document"), False)
    if document.expires_on is not None and document.expires_on < today:
        return Status("expired", pgettext("public site", "Expired"), False)
    if document.kind in NOTICE_KINDS.values():
        return notice_status(document=document, today=today)
    return Status("valid", pgettext("public site", "Valid"), True)


def _lifted(reason: str) -> Status:
    return Status("revoked", reason, False)


def _expired() -> Status:
    return Status("expired", pgettext("public site", "Expired"), False)


def _suspended() -> Status:
    return Status("suspended", _("Suspended while an objection is examined"), False)


def notice_status(*, document: VerifiableDocument, today: dt.date) -> Status:
    """Whether a notice or decision of the lists still stands today.

    A newer notice of the same kind for the same case supersedes it. It stops standing the day
    its entry is lifted (removed after credit repair, 发改委令第36号; void after an upheld
    objection; withdrawn or not listed) or ends (management or validity period over: as of
    today, before the nightly job moves the state, as on the public lists); it is suspended
    while an objection suspends the entry (国办发〔2020〕49号 (八)). A sanction's notice or
    decision stops standing when the sanction is revoked or refused, and the decision expires
    with its record's publicity.
    """
    valid = Status("valid", pgettext("public site", "Valid"), True)
    notice = (NoticeDocument.objects.select_related("black_entry", "red_entry",
                                                     "sanction__record")
              .filter(pk=document.object_id).first())
    if notice is None:
        return _lifted(_("No longer in force"))
    if NoticeDocument.objects.filter(
            kind=notice.kind, black_entry_id=notice.black_entry_id,
            red_entry_id=notice.red_entry_id, sanction_id=notice.sanction_id,
            pk__gt=notice.pk).exists():
        return Status("superseded", _("Superseded by a newer document"), False)
    if notice.black_entry_id:
        entry = notice.black_entry
        if entry.state == BlackState.REPAIRED:
            return _lifted(_("No longer valid: removed from the list after credit repair"))
        if entry.state in (BlackState.VOID, BlackState.DISMISSED, BlackState.WITHDRAWN):
            return _lifted(_("No longer valid: the listing was annulled or withdrawn"))
        if entry.state == BlackState.EXPIRED or (
                entry.effective_until is not None and entry.effective_until < today):
            return _expired()
        if entry.state == BlackState.SUSPENDED:
            return _suspended()
        return valid
    if notice.red_entry_id:
        entry = notice.red_entry
        if entry.state in (RedState.REMOVED, RedState.VOID, RedState.REJECTED):
            return _lifted(_("No longer valid: the entry was removed from the red list or not "
                             "admitted"))
        if entry.state == RedState.EXPIRED or (
                entry.effective_until is not None and entry.effective_until < today):
            return _expired()
        if entry.state in (RedState.SUSPENDED, RedState.ON_HOLD):
            return _suspended()
        return valid
    sanction = notice.sanction
    if sanction.state in (SanctionState.REVOKED, SanctionState.REJECTED):
        return _lifted(_("No longer valid: the sanction was revoked or not imposed"))
    record = sanction.record
    if notice.kind == NoticeDocument.Kind.SANCTION_DECISION and record is not None:
        if record.state != RecordState.EFFECTIVE:
            return _lifted(_("No longer valid: the sanction was revoked or not imposed"))
        if record.publicity_ends_on < today:
            return _expired()
    return valid


def _explanation_as_of(subject: Subject, as_of: dt.date) -> tuple[Any, Any]:
    """The explanation of the grade in force on `as_of` (the newest complete batch computed on
    or before that day; the current batch when the report is as of today), and the batch in
    force that day if the retention rule has since pruned it (then no explanation: the report
    says the grades of that day are no longer kept, rather than quote an older grade)."""
    if as_of >= clock.today():
        return scoring_selectors.explanation(subject=subject), None
    in_force = scoring_selectors.batch_in_force_on(category=subject.category, as_of=as_of)
    if in_force is not None and in_force.status == BatchStatus.PRUNED:
        return None, in_force
    for evaluation in scoring_selectors.grade_history(subject=subject):
        if evaluation.batch.as_of <= as_of:
            return scoring_selectors.explanation(subject=subject, batch=evaluation.batch), None
    return None, None


def credit_report_context(*, document: VerifiableDocument) -> dict[str, Any]:
    subject = document.subject
    as_of = document.as_of
    records = list(selectors.public_records(subject=subject, as_of=as_of))
    # The grade counts every effective record; a line that rests on a record which is not
    # public names its type only, never its document number (the report is handed to others).
    explanation, pruned_batch = _explanation_as_of(subject, as_of)
    return {
        "document": document,
        "subject": subject,
        "subject_code": selectors.public_code(subject),
        "phone": selectors.mask_phone(subject.contact_phone) if subject.contact_phone else "",
        "former_names": selectors.former_names(subject=subject),
        "explanation": explanation,
        "pruned_batch": pruned_batch,
        "public_ids": {r.pk for r in records},
        "records": records,
        "lists": selectors.subject_lists(subject=subject, as_of=as_of),
        "commitments": selectors.commitments(subject=subject, as_of=as_of),
        "authority": conf.issuing_authority(),
        "issued_on": document.issued_at.date(),
    }


def credit_report_pdf(*, document: VerifiableDocument, verify_url: str) -> bytes:
    context = credit_report_context(document=document)
    context["verify_url"] = verify_url
    return render_pdf("portal/pdf/credit_report.html", context)
