"""Writes: run a credit check, record a commitment, its supply or breach, and the feedback.

Every function is one business action: it checks the actor, validates, writes its rows and its
audit event in one transaction. `credit_check` reads the facts first (in autocommit, so the
readers of a busy window do not queue behind each other's write lock on SQLite) and then stores
the snapshot, its number and its measures in one short transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from accounts import permissions as account_permissions
from accounts.models import Department, User
from accounts.services import service_account
from approvals import permissions, public_urls
from approvals.measures import Derivation, derive
from approvals.models import (
    CheckCounter,
    CheckMeasure,
    Commitment,
    CommitmentState,
    CreditCheck,
    LicenceCategory,
    LicenceDecision,
    LicenceOutcome,
    LicenceState,
    Matter,
    MatterKind,
    Via,
)
from approvals.rules import (
    commitment_deadline,
    commitment_is_overdue,
    commitment_limit,
    feedback_due_date,
)
from approvals.selectors import (
    PROBE_COMMITMENTS,
    PROBE_LISTS,
    code_refusal,
    commitment_warnings,
    commitment_warnings_for,
    current_rule_set,
    effective_bad_records_for,
    facts_of,
    gather_facts,
    ineligible_incentives_for,
    list_memberships_for,
    matter_by_code,
    resolve_subject,
    rule_book,
    subjects_for_bulk_check,
)
from audit.services import claim, claim_of, claim_statement, event_statements, record_event
from common import clock, statements
from common.errors import Conflict, ServiceError, ValidationFailed
from common.labels import choice_label
from common.limits import COMMENT
from common.statements import Statement
from common.text import clean_line, clean_text
from records.models import CreditRecord, RecordType
from records.services import check_upload, record_create
from subjects.identifiers import normalise
from subjects.models import Subject

log = logging.getLogger(__name__)

NUMBER_PREFIX = "XYHC"
BREACH_TYPE = "commitment_breach"
KEPT_TYPE = "commitment_kept"
OFFICIAL_LANGUAGE = "zh-hans"  # stored reasons are in the platform's official language


# --- the credit check --------------------------------------------------------------------------
def _next_number(year: int) -> str:
    """XYHC-<year>-<6 digits>: the year's next number (`_next_numbers`)."""
    return _next_numbers(year, 1)[0]


def _next_numbers(year: int, count: int) -> list[str]:
    """`count` consecutive numbers XYHC-<year>-<6 digits>: the year's counter advanced and read
    in one statement (UPDATE … RETURNING, PostgreSQL and SQLite ≥ 3.35), under the row lock the
    UPDATE takes on PostgreSQL; SQLite's IMMEDIATE transaction already serialises writers."""
    sql = (f"UPDATE {CheckCounter._meta.db_table} SET last = last + %s WHERE year = %s "
           "RETURNING last")
    row = None
    if statements.direct(connection):  # SQLite, nobody counting queries
        row = statements.sqlite_execute(connection, sql, [count, year]).fetchone()
    if row is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [count, year])
            row = cursor.fetchone()
            if row is None:  # the year's first check
                try:
                    with transaction.atomic():
                        CheckCounter.objects.create(year=year, last=count)
                    row = (count,)
                except IntegrityError:  # another check created the year's row first
                    cursor.execute(sql, [count, year])
                    row = cursor.fetchone()
    last = row[0]
    return [f"{NUMBER_PREFIX}-{year}-{n:06d}" for n in range(last - count + 1, last + 1)]


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _build_result(
    *, subject: Subject, matter: Matter, facts: Any, records: list[dict[str, Any]],
    derivation: Derivation, warnings: list[dict[str, Any]], book: Any, actor: User,
    department: Department, via: str, token_label: str, as_of: dt.date,
) -> dict[str, Any]:
    in_force = [r for r in records if r["publicity_ends_on"] >= as_of]
    grade = facts.grade
    return {
        "as_of": as_of.isoformat(),
        "asked_by": {"user": actor.username, "name": str(actor), "department": department.name,
                     "department_code": department.code, "via": via, "token": token_label},
        "subject": {
            "name": subject.name, "code": subject.display_code, "kind": subject.kind,
            "category": subject.category, "category_label": choice_label(subject, "category"),
            "status": subject.status, "status_label": choice_label(subject, "status"),
        },
        "matter": {"code": matter.code, "name": matter.name, "kind": matter.kind,
                   "kind_label": choice_label(matter, "kind"),
                   "allows_commitment": matter.allows_commitment,
                   "promised_days": matter.promised_days},
        "grade": None if grade is None else {
            "grade": grade.grade, "score": grade.score, "rank": grade.rank,
            "lowest": grade.lowest, "grades": list(grade.grade_names),
            "batch": grade.batch_id, "batch_as_of": grade.batch_as_of.isoformat(),
            "evaluated_as_of": grade.evaluated_as_of.isoformat(),
            "model": grade.model_label, "model_name": grade.model_name,
        },
        "lists": [{k: v for k, v in m.items()} for m in facts.lists],
        "bad_records": {
            "count": len(in_force),
            "by_severity": dict(Counter(r["severity"] for r in in_force)),
            "items": [{k: _iso(v) for k, v in r.items() if k != "id"} for r in in_force],
        },
        "warnings": warnings,
        "eligibility": _eligibility_summary(facts),
        "measures": derivation.measures,
        "refused": derivation.refused,
        "accept_with_missing": derivation.accept_with_missing,
        "rule_set": {"label": book.label, "name": book.name},
    }


def _eligibility_summary(facts: Any) -> list[dict[str, Any]]:
    """Each eligibility condition that holds, once, with the incentives it refuses (shown on the
    check page whether or not a rule would have granted those incentives)."""
    from lists.eligibility import incentive_name

    out: dict[str, dict[str, Any]] = {}
    for code, refusals in facts.ineligible.items():
        for r in refusals:
            entry = out.setdefault(r["condition"], {**r, "incentives": []})
            entry["incentives"].append(incentive_name(code))
    return list(out.values())


def credit_check(
    *, actor: User, matter_code: str, code_or_name: str = "", subject: Subject | None = None,
    via: str = Via.WORKBENCH, token_label: str = "",
) -> CreditCheck:
    """Check a subject for a matter and store the answer as a numbered snapshot.

    The subject is given, or resolved from a whole code (422 for a malformed code, 404 for an
    unknown one) or a name (`SubjectChoiceRequired` when several subjects carry it, former
    names included). The snapshot keeps what the check saw: the grade with its batch and model
    version, list memberships, bad records in force, warnings about commitments, the measures
    with the rule and reason behind each, the rule-set version, and who asked (DESIGN.md).
    """
    account_permissions.require(permissions.can_run_checks(actor), _("run credit checks"))
    matter = matter_by_code(code=matter_code)
    if subject is None:
        subject = resolve_subject(code_or_name=code_or_name, with_evaluation=True)
    if matter.subject_categories and subject.category not in matter.subject_categories:
        raise ValidationFailed(
            "matter_not_for_category",
            _("%(matter)s is not a matter for a %(category)s.")
            % {"matter": matter.name, "category": subject.get_category_display()},
            field="matter")
    now = clock.now()
    as_of = clock.today()
    book = rule_book(rule_set=current_rule_set(as_of=as_of))
    with translation.override(OFFICIAL_LANGUAGE):
        facts, records, probed = gather_facts(subject=subject, as_of=as_of)
        derivation = derive(facts=facts, book=book, matter={
            "code": matter.code, "kind": matter.kind,
            "allows_commitment": matter.allows_commitment})
        warnings = [*commitment_warnings(subject=subject, as_of=as_of, probed=probed),
                    *_status_warnings(subject)]
        department = actor.department
        result = _build_result(subject=subject, matter=matter, facts=facts, records=records,
                               derivation=derivation, warnings=warnings, book=book, actor=actor,
                               department=department, via=via, token_label=token_label,
                               as_of=as_of)
    feedback_due = feedback_due_date(checked_on=as_of)
    return _store_check(actor=actor, subject=subject, matter=matter, result=result, book=book,
                        facts=facts, via=via, token_label=token_label, now=now, as_of=as_of,
                        feedback_due=feedback_due)


def _status_warnings(subject: Subject) -> list[dict[str, Any]]:
    """A check of a subject that is not active (cancelled, revoked...) says so, single or bulk."""
    if subject.status == Subject.Status.ACTIVE:
        return []
    return [{"code": "subject_status", "commitment": "",
             "message": _("The subject's status is %(status)s.")
             % {"status": subject.get_status_display()}}]


def _new_check(
    *, number: str, subject: Subject, matter: Matter, result: dict[str, Any], facts: Any,
    book: Any, actor: User, via: str, token_label: str, now: dt.datetime, as_of: dt.date,
    feedback_due: dt.date,
) -> CreditCheck:
    """The numbered snapshot of one check, unsaved: one shape for the single and the bulk call."""
    grade = facts.grade
    result = {"number": number, "checked_at": now.isoformat(), **result}
    return CreditCheck(
        number=number, subject=subject, matter=matter, asked_by=actor,
        department_id=actor.department_id, via=via, token_label=token_label[:120],
        checked_at=now, as_of=as_of, grade=grade.grade if grade else "",
        batch_id=grade.batch_id if grade else None,
        model_label=grade.model_label if grade else "", rule_set_id=book.rule_set_id,
        accept_with_missing=bool(result["accept_with_missing"].get("allowed")),
        result=result, needs_feedback=bool(result["measures"]), feedback_due_on=feedback_due)


def _measures_of(checks: list[CreditCheck], *, book: Any) -> list[CheckMeasure]:
    """The measures each check (with its primary key) returned, unsaved."""
    return [CheckMeasure(credit_check_id=check.pk, measure_id=book.measures[m["code"]].id,
                         code=m["code"], name=m["name"], kind=m["kind"])
            for check in checks for m in check.result["measures"]]


def _store_measures(checks: list[CreditCheck], *, book: Any) -> None:
    """The measures each stored check returned, in one statement."""
    CheckMeasure.objects.bulk_create(_measures_of(checks, book=book))


def _number_statement(year: int) -> Statement:
    """`_next_numbers`' statement for one number, to run in a batch (no row: a new year)."""
    return Statement(f"UPDATE {CheckCounter._meta.db_table} SET last = last + 1 "
                     "WHERE year = %s RETURNING last", [year])


def _check_event(check: CreditCheck, *, book: Any, document_id: int | None) -> dict[str, Any]:
    """What the check's one audit event says: the check and its verification document (the
    document has no event of its own)."""
    result = check.result
    return {
        "number": check.number, "subject": check.subject_id, "matter": check.matter.code,
        "via": check.via, "grade": check.grade, "model": check.model_label,
        "rule_set": book.label, "measures": [m["code"] for m in result["measures"]],
        "refused": [m["code"] for m in result["refused"]],
        "verification_document": document_id,
    }


def _store_check(**kwargs: Any) -> CreditCheck:
    """`_store_check_in_transaction`, queued behind the other writers of a SQLite database
    file by `common.statements.sqlite_writers_queue` (woken at once, not polling)."""
    with statements.sqlite_writers_queue():
        return _store_check_in_transaction(**kwargs)


@transaction.atomic
def _store_check_in_transaction(
    *, actor: User, subject: Subject, matter: Matter, result: dict[str, Any], book: Any,
    facts: Any, via: str, token_label: str, now: dt.datetime, as_of: dt.date,
    feedback_due: dt.date,
) -> CreditCheck:
    """Store one check: its number, snapshot, measures, verification document and audit event.

    The rows go as plain compiled SQL (`common.statements`: the values `save()` would send,
    without building and compiling the ORM's queries per call). PostgreSQL: two round trips,
    the number, the ids (`nextval`) and the audit stream's head with the event's `seq` first,
    then every insert and the head's update; SQLite (in process) one statement after another.
    `approvals/tests/test_check_writes.py` compares the rows with what the ORM path stores.
    """
    check = _new_check(number="", subject=subject, matter=matter, result=result,
                       facts=facts, book=book, actor=actor, via=via, token_label=token_label,
                       now=now, as_of=as_of, feedback_due=feedback_due)
    if connection.vendor == "postgresql":
        return _store_check_batched(check, actor=actor, book=book, year=as_of.year)
    _number(check, _next_number(as_of.year))
    statements.insert(check)
    measures = _measures_of([check], book=book)
    if measures:
        statements.run([statements.insert_statement(measures)])
    documents = public_urls.build_documents([check])
    for document in documents:
        statements.insert(document)
    record_event(actor=actor, action="approvals.check", target=check,
                 after=_check_event(check, book=book,
                                    document_id=documents[0].pk if documents else None))
    return check


def _number(check: CreditCheck, number: str) -> None:
    check.number = number
    check.result["number"] = number  # the snapshot's first key, kept in its place


def _store_check_batched(check: CreditCheck, *, actor: User, book: Any, year: int
                         ) -> CreditCheck:
    """PostgreSQL: `_store_check` in two round trips (see there)."""
    document_model = public_urls.document_model()
    id_models = [CreditCheck] + ([document_model] if document_model is not None else [])
    counter, ids, head = statements.run([
        _number_statement(year), statements.next_ids_statement(id_models),
        claim_statement()])
    _number(check, _next_number(year) if not counter else
            f"{NUMBER_PREFIX}-{year}-{counter[0][0]:06d}")
    check.pk = ids[0][0]
    writes = [statements.insert_statement([check])]
    measures = _measures_of([check], book=book)
    if measures:
        writes.append(statements.insert_statement(measures))
    documents = public_urls.build_documents([check])
    for document, pk in zip(documents, ids[0][1:], strict=True):
        document.pk = pk
        writes.append(statements.insert_statement([document]))
    _event, appended = event_statements(
        claim=claim_of(head) or claim(), actor=actor, action="approvals.check", target=check,
        after=_check_event(check, book=book,
                           document_id=documents[0].pk if documents else None))
    statements.run(writes + appended)
    check._state.adding, check._state.db = False, connection.alias
    return check


# --- many checks in one call ----------------------------------------------------------------------
#: The most subjects one bulk call may check (a window's batch, not a county-wide scan).
BULK_MAX = 1_000


def credit_check_bulk(
    *, actor: User, matter_code: str, codes: list[str], via: str = Via.API,
    token_label: str = "",
) -> list[CreditCheck | ServiceError]:
    """Check up to `BULK_MAX` subjects for one matter; each check is stored as its own numbered
    snapshot, exactly as `credit_check` stores one (the same facts, rules and result).

    Set-based: the subjects with their grades and every probe are one query, their bad records
    one more, the list entries and commitments of those the probe found on a list or with a
    commitment one query each for all of them, and each eligibility condition (a bad record in
    force, a sanction…) one query for all the subjects whose probe found its rows; catalogue
    rows come from the per-process caches. The writes are one numbering statement, one insert
    of the snapshots, one of their measures, one of their verification documents and one audit
    event naming every number and document. The answer is in the order of `codes`: a check, or
    why that code got none (a malformed or unknown code, a matter not for the subject's
    category).
    """
    account_permissions.require(permissions.can_run_checks(actor), _("run credit checks"))
    if not codes:
        raise ValidationFailed("required", _("Name at least one subject to check."),
                               field="codes")
    if len(codes) > BULK_MAX:
        raise ValidationFailed(
            "too_many_subjects",
            _("At most %(max)d subjects can be checked in one call; this call names %(n)d.")
            % {"max": BULK_MAX, "n": len(codes)}, field="codes")
    matter = matter_by_code(code=matter_code)
    now, as_of = clock.now(), clock.today()
    book = rule_book(rule_set=current_rule_set(as_of=as_of))
    wanted = [normalise(c) for c in codes]
    found = subjects_for_bulk_check(codes=sorted(set(wanted)), as_of=as_of)
    ids = [subject.pk for subject, _probed in found.values()]
    on_lists = [s.pk for s, probed in found.values() if PROBE_LISTS in probed]
    committed = [s.pk for s, probed in found.values() if PROBE_COMMITMENTS in probed]
    records_of = effective_bad_records_for(subject_ids=ids)
    lists_of = list_memberships_for(subject_ids=on_lists)
    warnings_of = commitment_warnings_for(subject_ids=committed, as_of=as_of)
    with translation.override(OFFICIAL_LANGUAGE):  # the refusals' texts are stored
        ineligible_of = ineligible_incentives_for(
            probed_of={s.pk: probed for s, probed in found.values()}, as_of=as_of)
    department = actor.department
    answers: list[tuple[Subject, dict[str, Any], Any] | ServiceError] = []
    with translation.override(OFFICIAL_LANGUAGE):
        for raw, code in zip(codes, wanted, strict=True):
            if code not in found:
                answers.append(code_refusal(code=raw))
                continue
            subject, probed = found[code]
            if matter.subject_categories and subject.category not in matter.subject_categories:
                answers.append(ValidationFailed(
                    "matter_not_for_category",
                    _("%(matter)s is not a matter for a %(category)s.")
                    % {"matter": matter.name, "category": subject.get_category_display()},
                    field="matter"))
                continue
            records = records_of.get(subject.pk, [])
            facts = facts_of(subject=subject, as_of=as_of, records=records, probed=probed,
                             lists=lists_of.get(subject.pk, []),
                             ineligible=ineligible_of.get(subject.pk, {}))
            derivation = derive(facts=facts, book=book, matter={
                "code": matter.code, "kind": matter.kind,
                "allows_commitment": matter.allows_commitment})
            warnings = [*warnings_of.get(subject.pk, []), *_status_warnings(subject)]
            result = _build_result(subject=subject, matter=matter, facts=facts,
                                   records=records, derivation=derivation, warnings=warnings,
                                   book=book, actor=actor, department=department, via=via,
                                   token_label=token_label, as_of=as_of)
            answers.append((subject, result, facts))
    checks = _store_checks(actor=actor, matter=matter, book=book, via=via,
                           token_label=token_label, now=now, as_of=as_of,
                           made=[a for a in answers if isinstance(a, tuple)])
    stored = iter(checks)
    return [next(stored) if isinstance(a, tuple) else a for a in answers]


@transaction.atomic
def _store_checks(
    *, actor: User, matter: Matter, book: Any, via: str, token_label: str, now: dt.datetime,
    as_of: dt.date, made: list[tuple[Subject, dict[str, Any], Any]],
) -> list[CreditCheck]:
    """The snapshots of a bulk call, as `_store_check` writes one: the numbers, the snapshots,
    their measures and their verification documents one statement each, and one audit event."""
    if not made:
        return []
    numbers = _next_numbers(as_of.year, len(made))
    feedback_due = feedback_due_date(checked_on=as_of)
    checks = [
        _new_check(number=number, subject=subject, matter=matter, result=result, facts=facts,
                   book=book, actor=actor, via=via, token_label=token_label, now=now,
                   as_of=as_of, feedback_due=feedback_due)
        for number, (subject, result, facts) in zip(numbers, made, strict=True)]
    CreditCheck.objects.bulk_create(checks)
    _store_measures(checks, book=book)
    documents = public_urls.issue_documents(checks)
    record_event(actor=actor, action="approvals.check_bulk",
                 target_type=CreditCheck._meta.label_lower,
                 target_id=f"{numbers[0]}..{numbers[-1]}", after={
                     "matter": matter.code, "via": via, "rule_set": book.label,
                     "count": len(checks),
                     "checks": [{"number": c.number, "subject": c.subject_id, "grade": c.grade,
                                 "model": c.model_label,
                                 "measures": [m["code"] for m in c.result["measures"]],
                                 "refused": [m["code"] for m in c.result["refused"]],
                                 "verification_document": documents.get(c.pk)}
                                for c in checks]})
    return checks


# --- commitments -------------------------------------------------------------------------------
def _missing_materials(matter: Matter, codes: list[str]) -> list[dict[str, Any]]:
    """The materials named, in catalogue order; only non-essential ones may be missing
    (REFERENCE.md §3: main materials complete and lawful, secondary ones may be missing)."""
    wanted = [c for c in dict.fromkeys(str(c).strip() for c in codes) if c]
    if not wanted:
        raise ValidationFailed("required", _("Select the materials that are missing."),
                               field="missing")
    materials = {m.code: m for m in matter.materials.all()}
    unknown = [c for c in wanted if c not in materials]
    if unknown:
        raise ValidationFailed(
            "unknown_material", _("%(codes)s is not a material of %(matter)s.")
            % {"codes": ", ".join(unknown), "matter": matter.name}, field="missing")
    essential = [materials[c].name for c in wanted if materials[c].essential]
    if essential:
        raise ValidationFailed(
            "essential_material_missing",
            _("Essential materials must be complete before acceptance: %(names)s.")
            % {"names": "、".join(essential)}, field="missing")
    return [{"code": m.code, "name": m.name, "why_optional": m.why_optional}
            for m in materials.values() if m.code in wanted]


@transaction.atomic
def commitment_record(
    *, actor: User, credit_check: CreditCheck, missing: list[str], signer: str,
    scan: UploadedFile, deadline: dt.date | None = None,
) -> Commitment:
    """Accept an application with missing materials on the subject's written commitment.

    Allowed only when the check (made today) granted 容缺受理; only non-essential materials may
    be missing; the deadline defaults to the matter's rule and may be set earlier, never beyond
    the matter's promised processing time (`approvals.rules`, REFERENCE.md §3). The commitment
    text comes from the template (容缺受理承诺书) and is stored as signed.
    """
    check = CreditCheck.objects.select_for_update().select_related(
        "subject", "matter", "department").get(pk=credit_check.pk)
    account_permissions.require(permissions.can_handle(actor, check.department_id),
                                _("record commitments for %(d)s") % {"d": check.department.name})
    if not check.accept_with_missing:
        raise Conflict(
            "accept_with_missing_refused",
            _("Acceptance with missing materials does not apply: %(reason)s")
            % {"reason": check.result["accept_with_missing"].get("reason", "")})
    today = clock.today()
    if check.as_of != today:
        raise Conflict("check_outdated",
                       _("Check %(number)s was made on %(date)s; run a new check today before "
                         "accepting on commitment.") % {"number": check.number,
                                                        "date": check.as_of})
    if Commitment.objects.filter(credit_check=check).exists():
        raise Conflict("commitment_exists",
                       _("A commitment is already recorded for check %(number)s.")
                       % {"number": check.number})
    matter = check.matter
    items = _missing_materials(matter, missing)
    signer = signer.strip()
    if not signer:
        raise ValidationFailed("required", _("Enter who signed the commitment."),
                               field="signer")
    limit = commitment_limit(matter=matter, accepted_on=today)
    default = min(commitment_deadline(matter=matter, accepted_on=today), limit)
    deadline = deadline or default
    if deadline <= today:
        raise ValidationFailed("deadline_too_early",
                               _("The deadline must be after today."), field="deadline")
    if deadline > limit:
        raise ValidationFailed(
            "deadline_beyond_limit",
            _("The deadline may not be later than %(limit)s, the end of the promised processing "
              "time of %(days)d working days.") % {"limit": limit, "days": matter.promised_days},
            field="deadline")
    checked = check_upload(
        upload=scan, field="scan",
        type_message=_("The signed commitment must be a PDF, OFD, PNG or JPEG file; "
                       "%(name)s is not."),
    )
    extension, content_type = checked.extension, checked.content_type
    with translation.override(OFFICIAL_LANGUAGE):
        text = render_to_string("approvals/commitment_text.txt", {
            "check": check, "subject": check.subject, "matter": matter, "items": items,
            "deadline": deadline, "today": today, "signer": signer})
    commitment = Commitment(
        credit_check=check, subject=check.subject, matter=matter, department=check.department,
        created_by=actor, created_at=clock.now(), accepted_on=today, deadline=deadline,
        limit_on=limit, missing=items, text=text.strip(), signer=signer,
        scan_name=Path(scan.name).name[:200], scan_ext=extension,
        scan_content_type=content_type, scan_size=scan.size, scan_sha256=checked.sha256,
    )
    scan.seek(0)
    commitment.scan.save("ignored", scan, save=False)
    try:
        commitment.save()
        record_event(actor=actor, action="approvals.commitment_record", target=commitment, after={
            "check": check.number, "missing": [i["code"] for i in items],
            "deadline": deadline, "limit": limit, "signer": signer,
            "scan_sha256": commitment.scan_sha256})
    except Exception:
        commitment.scan.delete(save=False)
        raise
    return commitment


def _department_agent(department: Department) -> User:
    """The service account that enters commitment outcomes for `department`.

    Records of a kept or broken commitment are attributed to the department that accepted the
    application (it made the finding, 国办发〔2019〕35号) and entered by its own service account
    (clerk role, no password, one per department: least privilege, clerks submit only for their
    own department). A human lead reviewer still approves them (four eyes).
    """
    return service_account(department=department, username=f"approvals-{department.code}",
                           display_name="信用承诺自动处理")


def _outcome_record(commitment: Commitment, *, type_code: str, occurred_on: dt.date,
                    decided_on: dt.date, suffix: str, description: str) -> CreditRecord | None:
    record_type = RecordType.objects.filter(code=type_code, is_active=True).first()
    if record_type is None:
        if type_code == BREACH_TYPE:
            raise ValidationFailed("missing_record_type",
                                   _("The record catalogue has no active type %(code)s.")
                                   % {"code": type_code})
        return None
    return record_create(
        actor=_department_agent(commitment.department), subject=commitment.subject,
        record_type=record_type, occurred_on=occurred_on, decided_on=decided_on,
        document_number=f"{commitment.credit_check.number}-{suffix}",
        source_department=commitment.department, description=description,
        internal_note=_("Created by the commitment deadline job from check %(number)s.")
        % {"number": commitment.credit_check.number}, submit=True,
    )


@transaction.atomic
def commitment_fulfil(*, actor: User, commitment: Commitment, supplied_on: dt.date | None = None,
                      note: str = "") -> Commitment:
    """The missing materials reached the authority in time: the commitment is kept.

    Closed by a conditional update (open → fulfilled), so a supply and the deadline job cannot
    both win. The keeping is recorded as a good record (信用承诺按期履行) sent for review, since
    国办发〔2019〕35号 asks that how commitments were kept enter the credit record.
    """
    account_permissions.require(permissions.can_handle(actor, commitment.department_id),
                                _("close commitments of %(d)s")
                                % {"d": commitment.department.name})
    commitment = Commitment.objects.select_related(
        "credit_check", "subject", "department", "matter").get(pk=commitment.pk)
    today = clock.today()
    supplied_on = supplied_on or today
    if supplied_on > today or supplied_on < commitment.accepted_on:
        raise ValidationFailed("bad_date", _("The supply date must lie between the acceptance "
                                             "and today."), field="supplied_on")
    if commitment.state != CommitmentState.OPEN:
        raise Conflict("commitment_closed", _("This commitment is already %(state)s.")
                       % {"state": commitment.get_state_display()})
    if commitment_is_overdue(deadline=commitment.deadline, as_of=supplied_on):
        raise Conflict("deadline_passed",
                       _("The deadline %(deadline)s has passed; the commitment is breached.")
                       % {"deadline": commitment.deadline})
    moved = Commitment.objects.filter(pk=commitment.pk, state=CommitmentState.OPEN).update(
        state=CommitmentState.FULFILLED, fulfilled_on=supplied_on, fulfilled_by=actor,
        fulfil_note=note.strip())
    if not moved:
        raise Conflict("commitment_closed", _("This commitment was closed meanwhile."))
    commitment.refresh_from_db()
    try:
        with transaction.atomic(), translation.override(OFFICIAL_LANGUAGE):
            record = _outcome_record(
                commitment, type_code=KEPT_TYPE, occurred_on=supplied_on, decided_on=today,
                suffix="KEPT",
                description=_("Missing materials for %(matter)s supplied on %(date)s, within "
                              "the committed deadline %(deadline)s.")
                % {"matter": commitment.matter.name, "date": supplied_on,
                   "deadline": commitment.deadline})
    except ServiceError as exc:
        record, commitment.outcome_error = None, str(exc.message)
    commitment.outcome_record = record
    commitment.save(update_fields=["outcome_record", "outcome_error"])
    record_event(actor=actor, action="approvals.commitment_fulfil", target=commitment,
                 before={"state": CommitmentState.OPEN},
                 after={"state": commitment.state, "supplied_on": supplied_on,
                        "record": record.pk if record else None})
    return commitment


def breach_overdue_commitments(*, as_of: dt.date) -> int:
    """Deadline job: every open commitment whose deadline passed before `as_of` is breached.

    Each one in its own transaction: a conditional update (open → breached, only if still
    open and overdue) and, in the same transaction, a `commitment_breach` record submitted for
    review (REFERENCE.md §3: the 容缺 case is terminated and the breach recorded;
    国办发〔2019〕35号, 国办发〔2020〕42号). Running twice, or after a gap, breaches each
    commitment exactly once; a commitment whose record cannot be created stays open (with the
    error kept) and is retried.
    """
    due = list(Commitment.objects.filter(state=CommitmentState.OPEN, deadline__lt=as_of)
               .order_by("deadline", "id").values_list("pk", flat=True))
    moved = 0
    for pk in due:
        try:
            moved += _breach_one(pk, as_of)
        except ServiceError as exc:
            log.warning("commitment %s not breached: %s", pk, exc.message)
            Commitment.objects.filter(pk=pk).update(outcome_error=str(exc.message))
    return moved


@transaction.atomic
def _breach_one(pk: int, as_of: dt.date) -> int:
    moved = Commitment.objects.filter(pk=pk, state=CommitmentState.OPEN,
                                      deadline__lt=as_of).update(
        state=CommitmentState.BREACHED, breached_on=as_of)
    if not moved:
        return 0  # supplied meanwhile, or another run got there first
    commitment = Commitment.objects.select_related(
        "credit_check", "subject", "department", "matter").get(pk=pk)
    decided_on = min(as_of, clock.today())
    occurred_on = min(commitment.deadline + dt.timedelta(days=1), decided_on)
    with translation.override(OFFICIAL_LANGUAGE):
        record = _outcome_record(
            commitment, type_code=BREACH_TYPE, occurred_on=occurred_on, decided_on=decided_on,
            suffix="BREACH",
            description=_("Committed on check %(number)s to supply %(materials)s for "
                          "%(matter)s by %(deadline)s; not supplied by the deadline.")
            % {"number": commitment.credit_check.number,
               "materials": "、".join(commitment.missing_names),
               "matter": commitment.matter.name, "deadline": commitment.deadline})
    commitment.outcome_record, commitment.outcome_error = record, ""
    commitment.save(update_fields=["outcome_record", "outcome_error"])
    record_event(actor=None, action="approvals.commitment_breach", target=commitment,
                 before={"state": CommitmentState.OPEN},
                 after={"state": CommitmentState.BREACHED, "as_of": as_of,
                        "record": record.pk if record else None})
    return 1


# --- feedback ----------------------------------------------------------------------------------
@transaction.atomic
def feedback_record(*, actor: User, credit_check: CreditCheck,
                    decisions: dict[str, tuple[bool, str]], note: str = "",
                    licence: dict[str, Any] | None = None) -> CreditCheck:
    """Record which measures of a check were applied, with a reason for each one not applied
    (跟踪问效). Recorded once: the reasons stand as the officer's decision for this check and
    no later re-grade or rule change alters them (DESIGN.md, human overrides persist).

    For a matter that is an administrative licence, `licence` is the licence decision on the
    application (`LicenceDecision`'s fields: outcome, document_number, decided_on, valid_from,
    valid_until, category, content, certificate_name, certificate_number); it is required
    there and refused elsewhere, and is validated by `licence_problem`."""
    check = CreditCheck.objects.select_for_update().select_related("department").get(
        pk=credit_check.pk)
    account_permissions.require(permissions.can_handle(actor, check.department_id),
                                _("record feedback for %(d)s") % {"d": check.department.name})
    if check.feedback_at is not None:
        raise Conflict("feedback_recorded", _("Feedback on check %(number)s was already recorded.")
                       % {"number": check.number})
    rows = list(check.measures.all())
    if not rows:
        raise Conflict("no_measures", _("Check %(number)s listed no measures to report on.")
                       % {"number": check.number})
    unknown = sorted(set(decisions) - {r.code for r in rows})
    if unknown:
        raise ValidationFailed("unknown_measure", _("%(codes)s is not a measure of this check.")
                               % {"codes": ", ".join(unknown)}, field=unknown[0])
    for row in rows:
        if row.code not in decisions:
            raise ValidationFailed("feedback_incomplete",
                                   _("Say whether %(measure)s was applied.")
                                   % {"measure": row.name}, field=row.code)
        applied, reason = decisions[row.code]
        reason = (reason or "").strip()
        if not applied and not reason:
            raise ValidationFailed("reason_required",
                                   _("Give the reason %(measure)s was not applied.")
                                   % {"measure": row.name}, field=row.code)
        row.applied, row.reason = bool(applied), "" if applied else reason
    is_licence = check.matter.kind == MatterKind.LICENCE
    if is_licence and not licence:
        raise ValidationFailed("licence_required",
                               _("%(matter)s is an administrative licence: record the licence "
                                 "decision.") % {"matter": check.matter.name}, field="outcome")
    if licence and not is_licence:
        raise ValidationFailed("not_a_licence",
                               _("%(matter)s is not an administrative licence; there is no "
                                 "licence decision to record.") % {"matter": check.matter.name},
                               field="outcome")
    facts = _licence_facts(check=check, values=licence) if licence else None
    CheckMeasure.objects.bulk_update(rows, ["applied", "reason"])
    now = clock.now()
    check.feedback_at, check.feedback_by, check.feedback_note = now, actor, note.strip()
    check.save(update_fields=["feedback_at", "feedback_by", "feedback_note"])
    decision = None
    if facts is not None:
        decision = LicenceDecision.objects.create(credit_check=check, recorded_by=actor,
                                                  recorded_at=now, **facts)
    record_event(actor=actor, action="approvals.feedback", target=check, after={
        "number": check.number,
        "measures": {r.code: {"applied": r.applied, "reason": r.reason} for r in rows},
        "note": check.feedback_note,
        **({"licence": _licence_snapshot(decision)} if decision else {})})
    return check


# --- licence decisions (recorded with the feedback) --------------------------------------------
LICENCE_FIELDS = ("outcome", "document_number", "decided_on", "valid_from", "valid_until",
                  "category", "content", "certificate_name", "certificate_number")
LICENCE_TEXT_LIMITS = {"document_number": 100, "content": COMMENT, "certificate_name": 200,
                       "certificate_number": 100}


def _licence_snapshot(decision: LicenceDecision) -> dict[str, Any]:
    """The decision's facts as the audit event keeps them (dates as ISO text)."""
    out: dict[str, Any] = {"id": decision.pk, "version": decision.version}
    for name in LICENCE_FIELDS:
        value = getattr(decision, name)
        out[name] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def licence_problem(*, check: CreditCheck, facts: dict[str, Any]) -> ValidationFailed | None:
    """The first thing wrong with a licence decision, as a form would say it; None when it is
    sound. The same checks whichever door (the feedback form, a correction).

    Granted: category, content and the start of validity are required, validity cannot start
    before the decision nor end before it starts (an end left empty is a licence without
    expiry, 长期有效). Refused: no validity. The decision document number carries its serial
    number and is not already another decision's of the same department; the decision date is
    not in the future nor before the check it followed."""
    outcome = facts.get("outcome")
    if outcome not in LicenceOutcome.values:
        return ValidationFailed("required", _("Say whether the licence was granted or refused."),
                                field="outcome")
    number = facts.get("document_number") or ""
    if not number:
        return ValidationFailed("required", _("The licence decision document number is required."),
                                field="document_number")
    if not any(c.isdigit() for c in number):
        return ValidationFailed("bad_document_number",
                                _("The decision document number must contain its serial number "
                                  "(for example 县住建许〔2026〕12号)."), field="document_number")
    for name, limit in LICENCE_TEXT_LIMITS.items():
        if len(facts.get(name) or "") > limit:
            return ValidationFailed("too_long", _("At most %(n)d characters.") % {"n": limit},
                                    field=name)
    decided_on = facts.get("decided_on")
    if decided_on is None:
        return ValidationFailed("required", _("The decision date is required."),
                                field="decided_on")
    if decided_on > clock.today():
        return ValidationFailed("future_date", _("The decision date cannot be in the future."),
                                field="decided_on")
    if decided_on < check.as_of:
        return ValidationFailed("decided_before_check",
                                _("The licence cannot have been decided before the credit check "
                                  "of %(day)s.") % {"day": check.as_of.isoformat()},
                                field="decided_on")
    valid_from, valid_until = facts.get("valid_from"), facts.get("valid_until")
    if outcome == LicenceOutcome.REFUSED:
        if valid_from or valid_until:
            return ValidationFailed("validity_of_refusal",
                                    _("A refused licence has no period of validity."),
                                    field="valid_from")
    else:
        if not facts.get("category"):
            return ValidationFailed("required", _("Choose the licence category."),
                                    field="category")
        if facts["category"] not in LicenceCategory.values:
            return ValidationFailed("bad_category", _("Choose the licence category."),
                                    field="category")
        if not facts.get("content"):
            return ValidationFailed("required", _("Say what the licence permits."),
                                    field="content")
        if valid_from is None:
            return ValidationFailed("required", _("Give the date the licence is valid from."),
                                    field="valid_from")
        if valid_from < decided_on:
            return ValidationFailed("valid_before_decision",
                                    _("The licence cannot be valid before it was decided."),
                                    field="valid_from")
        if valid_until is not None and valid_until < valid_from:
            return ValidationFailed("validity_order",
                                    _("The licence cannot end before it starts to be valid."),
                                    field="valid_until")
    taken = (LicenceDecision.objects.filter(credit_check__department_id=check.department_id,
                                            document_number=number)
             .exclude(credit_check_id=check.pk))
    if taken.exists():
        return ValidationFailed("duplicate_document_number",
                                _("Decision document number %(n)s is already recorded for "
                                  "another check of this department.") % {"n": number},
                                field="document_number")
    return None


def _licence_facts(*, check: CreditCheck, values: dict[str, Any]) -> dict[str, Any]:
    """The licence decision's fields, cleaned (one-line texts, empty strings for blanks) and
    validated; raises the first problem."""
    facts: dict[str, Any] = {}
    for name in LICENCE_FIELDS:
        value = values.get(name)
        if name in ("decided_on", "valid_from", "valid_until"):
            facts[name] = value or None
        elif name == "content":
            facts[name] = clean_text(str(value or "")).strip()
        else:
            facts[name] = clean_line(str(value or "")).strip()
    problem = licence_problem(check=check, facts=facts)
    if problem is not None:
        raise problem
    return facts


def _decision_in_force(decision: LicenceDecision) -> LicenceDecision:
    decision = (LicenceDecision.objects.select_for_update()
                .select_related("credit_check__department", "credit_check__matter")
                .get(pk=decision.pk))
    if decision.state != LicenceState.IN_FORCE:
        raise Conflict("licence_not_in_force",
                       _("Licence decision %(n)s is no longer in force; correct or revoke the "
                         "version in force.") % {"n": decision.document_number})
    return decision


def _licence_reason(reason: str | None, *, missing: str) -> str:
    """The reason a licence decision is corrected or revoked: required, and no longer than a
    comment, since it goes out with the 更正/撤销 row."""
    reason = clean_text(reason or "").strip()
    if not reason:
        raise ValidationFailed("required", missing, field="reason")
    if len(reason) > COMMENT:
        raise ValidationFailed("too_long", _("At most %(n)d characters.") % {"n": COMMENT},
                               field="reason")
    return reason


@transaction.atomic
def licence_correct(*, actor: User, decision: LicenceDecision, reason: str,
                    **changes: Any) -> LicenceDecision:
    """Correct a recorded licence decision (a wrong date, number, validity or content): a new
    version supersedes the one in force, so what was exported stays provable and the
    correction goes out as such (更正). Granted or refused is not corrected: a granted licence
    that no longer stands is revoked (`licence_revoke`)."""
    decision = _decision_in_force(decision)
    check = decision.credit_check
    account_permissions.require(permissions.can_handle(actor, check.department_id),
                                _("correct licence decisions of %(d)s")
                                % {"d": check.department.name})
    reason = _licence_reason(reason, missing=_("Give the reason for the correction."))
    unknown = sorted(set(changes) - set(LICENCE_FIELDS))
    if unknown:
        raise ValidationFailed("unknown_field", _("%(f)s cannot be corrected.")
                               % {"f": ", ".join(unknown)}, field=unknown[0])
    current = {name: getattr(decision, name) for name in LICENCE_FIELDS}
    if changes.get("outcome", decision.outcome) != decision.outcome:
        raise ValidationFailed("outcome_changed",
                               _("Whether the licence was granted is not corrected; revoke the "
                                 "decision instead."), field="outcome")
    facts = _licence_facts(check=check, values={**current, **changes})
    if facts == current:
        raise ValidationFailed("no_change", _("Nothing was changed."), field="reason")
    decision.state = LicenceState.SUPERSEDED
    decision.save(update_fields=["state"])
    new = LicenceDecision.objects.create(
        credit_check=check, version=decision.version + 1, supersedes=decision,
        recorded_by=actor, recorded_at=clock.now(), reason=reason, **facts)
    record_event(actor=actor, action="approvals.licence_correct", target=check,
                 before=_licence_snapshot(decision),
                 after={**_licence_snapshot(new), "reason": reason})
    return new


@transaction.atomic
def licence_revoke(*, actor: User, decision: LicenceDecision, reason: str) -> LicenceDecision:
    """Revoke a licence decision (撤销: withdrawn by the authority, set aside on review or by a
    court). It stays on record, marked revoked with the reason; if it was exported, the
    revocation goes out as such (XK_ZT = 2)."""
    decision = _decision_in_force(decision)
    check = decision.credit_check
    account_permissions.require(permissions.can_handle(actor, check.department_id),
                                _("revoke licence decisions of %(d)s")
                                % {"d": check.department.name})
    reason = _licence_reason(reason, missing=_("Give the reason for the revocation."))
    decision.state, decision.revocation_reason = LicenceState.REVOKED, reason
    decision.revoked_by, decision.revoked_at = actor, clock.now()
    decision.save(update_fields=["state", "revocation_reason", "revoked_by", "revoked_at"])
    record_event(actor=actor, action="approvals.licence_revoke", target=check,
                 before={"state": LicenceState.IN_FORCE},
                 after={"id": decision.pk, "document_number": decision.document_number,
                        "state": LicenceState.REVOKED, "reason": reason})
    return decision
