"""Request and response shapes of API v1.

Input limits mirror the database columns so that an over-long or malformed value is a 422 here
rather than a database error (PostgreSQL refuses over-long varchars and NUL characters, SQLite
does not: the API must answer the same on both).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.utils.translation import gettext_lazy as _
from ninja import Field, Schema
from pydantic import ConfigDict

from common.api.schemas import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    Amount,
    LongText,
    PlausibleDate,
    RequiredText40,
    RequiredText64,
    RequiredText100,
    RequiredText200,
    Text20,
    Text30,
    Text64,
    Text100,
    Text200,
    Text300,
)
from records.models import CreditRecord, Polarity, RecordState, Severity
from subjects.masking import mask_subject
from subjects.models import Category, Subject, SubjectName


# --- subjects ---------------------------------------------------------------------------------
class SubjectIn(Schema):
    kind: Subject.Kind | None = Field(
        None, description=_("Derived from the category when omitted (practitioner → individual).")
    )
    code: RequiredText64 = Field(
        description=_("USCC for enterprises, resident ID number for individuals."))
    name: RequiredText200
    category: Category
    legal_representative: Text100 = ""
    address: Text300 = ""
    contact_phone: Text30 = ""
    qualification: Text100 = ""
    established_on: PlausibleDate | None = None
    employer_code: Text64 | None = Field(
        None, description=_("Code of the employing enterprise (practitioners only).")
    )


# The body of `POST /subjects/lookup`: the code travels in the body, never in a URL.
class LookupIn(Schema):
    code: RequiredText64 = Field(
        description=_("Unified social credit code or resident ID number (whole)."))
    purpose: Text200 = Field(
        "", description=_("Why personal data is read (kept in the audit log)."))


# The body of `POST /subjects/lookup/records`: the code in the body, the page as in the GET.
class RecordsLookupIn(Schema):
    code: RequiredText64 = Field(
        description=_("Unified social credit code or resident ID number (whole)."))
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


class FormerName(Schema):
    name: str
    valid_from: dt.date | None
    valid_until: dt.date | None


class SubjectSummary(Schema):
    code: str = Field(description=_("ID numbers of individuals are masked."))
    kind: Subject.Kind
    name: str
    category: Category
    category_label: str
    status: Subject.Status
    status_label: str

    @staticmethod
    def build(subject: Subject) -> dict:
        """Fields shared by list and detail; the code is always the masked display form here."""
        return {
            "code": subject.display_code, "kind": subject.kind, "name": subject.name,
            "category": subject.category, "category_label": str(subject.get_category_display()),
            "status": subject.status, "status_label": str(subject.get_status_display()),
        }


class SubjectOut(SubjectSummary):
    code_masked: bool = Field(description=_("True when `code` is shown masked."))
    former_names: list[FormerName]
    legal_representative: str
    address: str = Field(description=_("An individual's address is masked like the code."))
    contact_phone: str = Field(description=_("Masked unless the token has `personal:read`."))
    qualification: str
    established_on: dt.date | None
    employer_code: str | None
    code_warning: str
    needs_code_confirmation: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def build(  # type: ignore[override]
        subject: Subject, *, former: list[SubjectName], full: bool = False
    ) -> dict:
        """Personal fields in full only when `full` (the caller may see them and the reading
        was audited by `exchange.services.api_reveal_personal_data`)."""
        out = SubjectSummary.build(subject)
        shown = ({"code": subject.code, "address": subject.address,
                  "contact_phone": subject.contact_phone} if full else mask_subject(subject))
        out.update(
            code=shown["code"], code_masked=shown["code"] != subject.code,
            former_names=[
                {"name": n.name, "valid_from": n.valid_from, "valid_until": n.valid_until}
                for n in former
            ],
            legal_representative=subject.legal_representative,
            address=shown["address"], contact_phone=shown["contact_phone"],
            qualification=subject.qualification, established_on=subject.established_on,
            employer_code=subject.employer.code if subject.employer_id else None,
            code_warning=subject.code_warning,
            needs_code_confirmation=subject.needs_code_confirmation,
            created_at=subject.created_at, updated_at=subject.updated_at,
        )
        return out


class SubjectCreatedOut(SubjectOut):
    warnings: list[str] = Field(description=_("Accepted, but a reviewer must confirm (e.g. code)."))


class SubjectPage(Schema):
    items: list[SubjectSummary]
    total: int | None = Field(
        description=_("Number of matches; null when there are more than can be counted cheaply.")
    )
    page: int
    page_size: int


# --- records ----------------------------------------------------------------------------------
class RecordIn(Schema):
    subject_code: RequiredText64
    record_type: RequiredText40 = Field(description=_("Code of a type in the record catalogue."))
    occurred_on: PlausibleDate
    decided_on: PlausibleDate
    document_number: RequiredText100
    description: LongText = ""
    amount: Amount | None = None
    level: Text20 = ""
    is_public: bool | None = Field(None, description=_("Defaults to the record type's setting."))
    submit: bool = Field(True, description=_("Submit for review at once (else kept as a draft)."))


class RecordTypeOut(Schema):
    code: str
    name: str
    polarity: Polarity
    severity: Severity | Literal[""] = Field(description=_("Empty for good records."))


class DepartmentOut(Schema):
    code: str
    name: str
    source_kind: str = Field(description=_("government, rating_agency or association."))


class RecordOut(Schema):
    """A record as the API shows it; the internal note and reviewers' comments never leave."""

    model_config = ConfigDict(json_schema_extra={"description": _(
        "A record as the API shows it; the internal note and reviewers' comments never leave.")})

    id: int
    subject_code: str
    record_type: RecordTypeOut
    occurred_on: dt.date
    decided_on: dt.date
    document_number: str
    source_department: DepartmentOut
    description: str
    amount: Decimal | None
    level: str
    is_public: bool
    publicity_ends_on: dt.date
    state: RecordState
    state_label: str
    version: int
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None

    @staticmethod
    def build(record: CreditRecord) -> dict:
        rt, dept = record.record_type, record.source_department
        return {
            "id": record.pk, "subject_code": record.subject.display_code,
            "record_type": {"code": rt.code, "name": rt.name, "polarity": rt.polarity,
                            "severity": rt.severity},
            "occurred_on": record.occurred_on, "decided_on": record.decided_on,
            "document_number": record.document_number,
            "source_department": {"code": dept.code, "name": dept.name,
                                  "source_kind": dept.source_kind},
            "description": record.description, "amount": record.amount, "level": record.level,
            "is_public": record.is_public, "publicity_ends_on": record.publicity_ends_on,
            "state": record.state, "state_label": str(record.get_state_display()),
            "version": record.version, "submitted_at": record.submitted_at,
            "reviewed_at": record.reviewed_at,
        }


class RecordPage(Schema):
    items: list[RecordOut]
    total: int
    page: int
    page_size: int


# --- the change feed -----------------------------------------------------------------------------
class ChangeOut(Schema):
    cursor: str = Field(description=_("Opaque; pass it as `cursor` to read what came after."))
    kind: Literal["record", "black", "red", "key"]
    action: str = Field(description=_(
        "record.created, record.corrected (a new version took effect; `data.supersedes` is the "
        "old one), record.superseded, record.revoked, record.repaired, record.updated "
        "(publicity changed); black.decided, black.publicity, black.in_force, black.suspended, "
        "black.void, black.expired, black.repaired; red.decided, red.in_force, red.on_hold, "
        "red.expired, red.removed, red.void; key.in_force, key.ended."))
    object_id: int = Field(description=_("The record's or the list entry's id."))
    occurred_at: dt.datetime
    data: dict[str, Any] = Field(description=_(
        "The record (record_id, version, supersedes, subject {code (ID numbers masked), name, "
        "kind, category}, record_type, document_number, source_department, dates, state, "
        "is_public, amount) or the list entry (entry_id, subject, state, decision number and "
        "dates; key: rule, entered_on, ended_on) as it was at that change."))


class ChangePage(Schema):
    items: list[ChangeOut]
    next_cursor: str = Field(description=_("Resume from here (unchanged when nothing was new)."))
    has_more: bool = Field(description=_("More changes are waiting: read again at once."))


# --- imports --------------------------------------------------------------------------------------
class RejectedRow(Schema):
    row: int = Field(description=_("Row number in the file (the header is row 1)."))
    field: str = Field(description=_("The column refused (e.g. CF_JDRQ), or `file`."))
    reason: str


class ImportSummaryOut(Schema):
    # The same object as `manage.py import_feed --json`, with the batch number.

    rows: int
    created: int
    duplicates: int
    corrections: int
    revocations: int = Field(description=_(
        "Rows that revoked what they named (CF_ZT / XK_ZT = 2): revocation requests opened for "
        "review, licence facts revoked."))
    rejected: list[RejectedRow]
    batch: str | None = Field(None, description=_("The import batch (null for a dry run)."))


class ImportJobOut(Schema):
    number: int = Field(description=_("The job number: `GET /api/v1/imports/{number}`."))
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: int = Field(description=_("0–100."))
    result: ImportSummaryOut | None = Field(None, description=_("When the job has succeeded."))
    error: str | None = Field(None, description=_("Why the job failed."))
    enqueued_at: dt.datetime | None
    finished_at: dt.datetime | None
