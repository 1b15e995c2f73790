"""Writes of the portal: issuing verifiable documents (credit reports, certificate tokens) and
revoking them, each in one transaction with its audit event."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import permissions as account_permissions
from audit.services import record_event
from common import clock
from common.errors import PermissionDeniedError, ValidationFailed
from lists.models import NoticeDocument
from portal import conf, selectors
from portal.models import NOTICE_KINDS, DocumentKind, VerifiableDocument
from subjects.models import Subject

# 24 random bytes: 192 bits from the operating system's CSPRNG, URL-safe (32 characters).
TOKEN_BYTES = 24


def new_token() -> str:
    """An unguessable verification token (at least 128 bits from `secrets`, never a counter)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def _iso(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_iso(v) for v in value]
    return value


def _issue(*, kind: str, object_id: int, subject: Subject, content: dict[str, Any],
           as_of: dt.date, actor: Any, expires_on: dt.date | None = None) -> VerifiableDocument:
    """Create the document row and its audit event; the caller holds the transaction."""
    document = VerifiableDocument.objects.create(
        kind=kind, object_id=object_id, subject=subject, token=new_token(),
        content=_iso(content), issued_at=clock.now(), as_of=as_of,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        expires_on=expires_on,
    )
    # The token itself is not written to the audit log: the log is readable by auditors, and
    # a token is a bearer capability to read the document's public part.
    record_event(actor=actor, action=f"portal.{kind}_issued", target=document,
                 after={"kind": kind, "object_id": object_id, "subject": subject.pk,
                        "as_of": as_of.isoformat()})
    return document


# --- credit-check certificates --------------------------------------------------------------------
def check_document(*, check: Any) -> VerifiableDocument:
    """The certificate's verification document. New checks get theirs when they are stored
    (`check_documents`); a check made before the portal existed gets its token the first
    time its certificate is shown, with its own audit event."""
    existing = VerifiableDocument.objects.filter(kind=DocumentKind.CREDIT_CHECK,
                                                 object_id=check.pk).first()
    if existing is not None:
        return existing
    from approvals.selectors import public_summary

    summary = public_summary(number=check.number) or {}
    summary.pop("number", None)  # the sequential number stays off the public page
    try:
        with transaction.atomic():
            return _issue(kind=DocumentKind.CREDIT_CHECK, object_id=check.pk,
                          subject=check.subject, content=summary, as_of=check.as_of,
                          actor=check.asked_by)
    except IntegrityError:  # issued concurrently: the other request's token stands
        return VerifiableDocument.objects.get(kind=DocumentKind.CREDIT_CHECK, object_id=check.pk)


def check_documents(checks: list[Any]) -> list[VerifiableDocument]:
    """The verification documents of credit checks being stored, unsaved, in the order of
    `checks` (registered with `approvals.public_urls`): built from the checks in memory
    (`public_summary_of`, no re-read), each pointing at its check's primary key.

    The caller inserts them in the transaction that stores the checks, with no audit event of
    their own: the check's event (`approvals.check`, `approvals.check_bulk`) names each
    document, so one event records both writes.
    """
    from approvals.selectors import public_summary_of

    now = clock.now()
    documents = []
    for check in checks:
        summary = public_summary_of(check=check)
        summary.pop("number", None)  # the sequential number stays off the public page
        documents.append(VerifiableDocument(
            kind=DocumentKind.CREDIT_CHECK, object_id=check.pk, subject_id=check.subject_id,
            token=new_token(), content=_iso(summary), issued_at=now, as_of=check.as_of,
            issued_by_id=check.asked_by_id))
    return documents


def check_verify_path(check: Any) -> str:
    """The public verification path of a certificate (registered with approvals)."""
    return reverse("portal:verify", args=[check_document(check=check).token])


# --- notices and decisions of the lists ---------------------------------------------------------
def notice_content(*, notice: NoticeDocument) -> dict[str, Any]:
    """The public part of a list notice as issued: whom it concerns (masked as on the public
    site), which authority issued it, on what ground, and its number where it has one; never
    the facts, the statement or the records it cites."""
    if notice.sanction_id:
        owner: Any = notice.sanction
        ground = str(owner.get_kind_display())
        number = owner.decision_number or owner.document_number
    elif notice.black_entry_id:
        owner = notice.black_entry
        ground, number = owner.ground.name, owner.decision_number
    else:
        owner = notice.red_entry
        ground = owner.criterion.name if owner.criterion_id else str(owner.get_source_display())
        number = owner.decision_number
    return {
        "subject_name": selectors.public_name(owner.subject),
        "subject_code": selectors.public_code(owner.subject),
        "notice": str(notice.get_kind_display()),
        "authority": owner.department.name,
        "ground": ground,
        "number": number,
        "issued_on": notice.issued_on,
    }


def notice_document(*, notice: NoticeDocument, actor: Any) -> VerifiableDocument:
    """Issue the verification token of a list notice, in the transaction that stores it (the
    notice's PDF is rendered after, with the token's link and QR code)."""
    owner = notice.sanction or notice.black_entry or notice.red_entry
    return _issue(kind=NOTICE_KINDS[notice.kind], object_id=notice.pk, subject=owner.subject,
                  content=notice_content(notice=notice), as_of=notice.issued_on, actor=actor)


def notice_verify_path(notice: NoticeDocument, actor: Any) -> str:
    """The public verification path of a new list notice (registered with
    `common.verification`)."""
    return reverse("portal:verify", args=[notice_document(notice=notice, actor=actor).token])


# --- credit reports ------------------------------------------------------------------------------
def report_content(*, subject: Subject, as_of: dt.date) -> dict[str, Any]:
    """The report's public summary, kept with its token and shown on the verification page."""
    grade = selectors.current_grade(subject=subject)
    lists = selectors.subject_lists(subject=subject, as_of=as_of)
    records = list(selectors.public_records(subject=subject, as_of=as_of))
    return {
        "subject_name": selectors.public_name(subject),
        "subject_code": selectors.public_code(subject),
        "category": str(subject.get_category_display()),
        "grade": grade.grade if grade else "",
        "grade_as_of": grade.as_of if grade else None,
        "black_listed": bool(lists["black"]),
        "red_listed": bool(lists["red"]),
        "public_records": len(records),
        "bad_records": sum(1 for r in records if r.record_type.polarity == "bad"),
        "authority": conf.issuing_authority(),
    }


def issue_credit_report(*, actor: Any, subject: Subject, as_of: dt.date | None = None
                        ) -> VerifiableDocument:
    """Issue a credit report (信用报告) of `subject` as of a date, valid for the configured days.

    Staff issue it on the subject's behalf; an earlier report of the same subject that is still
    valid is marked superseded, so whoever verifies it learns that a newer one exists.
    """
    if not account_permissions.can_issue_reports(actor, subject):
        raise PermissionDeniedError("forbidden", _("You are not allowed to do this."))
    today = clock.today()
    as_of = as_of or today
    if as_of > today:
        raise ValidationFailed("future_date", _("A report cannot be issued for a future date."),
                               field="as_of")
    with transaction.atomic():
        document = _issue(kind=DocumentKind.CREDIT_REPORT, object_id=subject.pk, subject=subject,
                          content=report_content(subject=subject, as_of=as_of), as_of=as_of,
                          actor=actor,
                          expires_on=today + dt.timedelta(days=conf.report_valid_days()))
        previous = VerifiableDocument.objects.filter(
            kind=DocumentKind.CREDIT_REPORT, subject=subject, superseded_by__isnull=True,
            revoked_at__isnull=True).exclude(pk=document.pk)
        ids = list(previous.values_list("pk", flat=True))
        if ids:
            VerifiableDocument.objects.filter(pk__in=ids).update(superseded_by=document)
            record_event(actor=actor, action="portal.credit_report_superseded", target=document,
                         after={"superseded": ids})
    return document


def revoke_document(*, actor: Any, document: VerifiableDocument, reason: str
                    ) -> VerifiableDocument:
    """Revoke an issued document (issued in error, or its basis was quashed)."""
    if not account_permissions.can_revoke_documents(actor):
        raise PermissionDeniedError("forbidden", _("You are not allowed to do this."))
    if not (reason or "").strip():
        raise ValidationFailed("reason_required", _("Give the reason."), field="reason")
    with transaction.atomic():
        locked = VerifiableDocument.objects.select_for_update().get(pk=document.pk)
        if locked.revoked_at is None:
            locked.revoked_at = clock.now()
            locked.revoke_reason = reason.strip()
            locked.save(update_fields=["revoked_at", "revoke_reason"])
            record_event(actor=actor, action="portal.document_revoked", target=locked,
                         after={"reason": locked.revoke_reason})
    return locked
