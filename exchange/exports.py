"""Sending the platform's own decisions to the public credit platform (双公示 CF and XK sets).

An export batch is numbered, keeps the exact bytes that were sent, one row per decision version
with the row's SHA-256, and a state: prepared → sent → acknowledged (with the receiving
platform's receipt file, possibly naming rows it refused) or rejected (with its reasons). A data
officer can therefore prove what was sent and when, and re-send exactly what failed. A batch is
of one kind: penalties (CF) or licences (XK).

What goes out as penalties (CF): bad records that are effective (or were, and are now revoked)
whose source is one of the platform's own departments (lead or cooperating, not an external
system: what came from 信用中国 is not sent back).
What goes out as licences (XK): the licence decisions window officers record with the feedback
on a credit check (`approvals.LicenceDecision`) that were granted with a credit measure applied
(`approvals.rules.licence_goes_to_publicity`).
Each version goes out once per successful batch:
- a first version as new ("新增");
- a later version whose chain was sent before as a correction ("更正", in BZ, with the reason);
- a revoked decision that was sent before as a revocation ("撤销", CF_ZT / XK_ZT = 2).
Rows of a rejected batch, and rows a receipt names as failed, become pending again.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts import permissions
from accounts.models import Department, User
from approvals.models import CheckMeasure, LicenceDecision, LicenceOutcome, LicenceState
from approvals.rules import licence_goes_to_publicity
from audit.services import record_event
from common import clock
from common.errors import Conflict, ValidationFailed
from common.spreadsheets import csv_bytes
from exchange.feed_models import (
    ExportAction,
    ExportBatch,
    ExportRow,
    ExportState,
    FeedKind,
    FeedMapping,
)
from exchange.feed_services import next_number
from records.models import CreditRecord, Polarity, RecordState

CF_EXPORT_HEADER = [
    "CF_WSH", "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_XDR_ZJLX", "CF_XDR_ZJHM",
    "CF_FRDB", "CF_WFXW", "CF_SY", "CF_YJ", "CF_CFLB", "CF_NR", "CF_NR_FK", "CF_JDRQ", "CF_YXQ",
    "CF_GSJZQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM", "CF_ZT", "BZ",
]
XK_EXPORT_HEADER = [
    "XK_XDR_MC", "XK_XDR_LB", "XK_XDR_SHXYM", "XK_XDR_ZJLX", "XK_XDR_ZJHM", "XK_FRDB",
    "XK_XKWS", "XK_WSH", "XK_XKLB", "XK_XKZS", "XK_XKBH", "XK_NR", "XK_JDRQ", "XK_YXQZ",
    "XK_YXQZI", "XK_XKJG", "XK_XKJGDM", "XK_ZT", "XK_LYDW", "XK_LYDWDM", "BZ",
]
#: 许可类别 as the XK set writes it (XK_XKLB), by `approvals.LicenceCategory` value.
XK_CATEGORY_WORDS = {"ordinary": "普通", "franchise": "特许", "recognition": "认可",
                     "approval": "核准", "registration": "登记", "other": "其他"}
XK_DOCUMENT_NAME = "准予行政许可决定书"
HEADERS = {FeedKind.PENALTY: CF_EXPORT_HEADER, FeedKind.LICENCE: XK_EXPORT_HEADER}
ENCODINGS = {"utf-8": "utf-8-sig", "gbk": "gbk"}
STATUS_VALID, STATUS_REVOKED = "1", "2"


def can_export(user: User) -> bool:
    """Sending the platform's decisions out is the lead department's reviewers' and the
    administrators' (the same people who make records effective)."""
    return permissions.can_review_records(user)


def _live_rows() -> QuerySet[ExportRow]:
    """Rows that count as sent: not in a rejected batch, not refused by a receipt."""
    return ExportRow.objects.exclude(batch__state=ExportState.REJECTED).filter(failed=False)


def _chain_ids(record: CreditRecord) -> list[int]:
    ids, current = [], record
    while current.supersedes_id:
        ids.append(current.supersedes_id)
        current = current.supersedes
    return ids


def pending(*, only: set[int] | None = None) -> list[tuple[CreditRecord, str]]:
    """Every record version waiting to go out, with the action it goes out as.

    Set-based: the database leaves out what was sent already (one anti-join), so the page and
    the batch stay fast with a million records; only later versions walk their short chain."""
    own = ~Q(source_department__kind=Department.Kind.EXTERNAL)
    live = _live_rows()
    sent = Exists(live.filter(record=OuterRef("pk")))
    revocation_sent = Exists(live.filter(record=OuterRef("pk"),
                                         action=ExportAction.REVOCATION))
    candidates = (
        CreditRecord.objects.filter(own, record_type__polarity=Polarity.BAD)
        .alias(sent=sent, revocation_sent=revocation_sent)
        # a record the platform does not disclose (marked not public, or of a type that is
        # not, such as a verified complaint) does not go to the public credit platform either;
        # a revocation follows whatever was sent
        .filter(Q(state=RecordState.EFFECTIVE, sent=False, is_public=True,
                  record_type__is_public=True)
                | Q(state=RecordState.REVOKED, sent=True, revocation_sent=False))
        .select_related("record_type", "subject", "source_department", "supersedes")
        .order_by("decided_on", "id"))
    if only is not None:
        candidates = candidates.filter(pk__in=only)
    out: list[tuple[CreditRecord, str]] = []
    for record in candidates:
        if record.state == RecordState.REVOKED:
            out.append((record, ExportAction.REVOCATION))
            continue
        chain = _chain_ids(record) if record.supersedes_id else []
        earlier_sent = bool(chain) and live.filter(record_id__in=chain).exists()
        out.append((record, ExportAction.CORRECTION if earlier_sent else ExportAction.NEW))
    return out


def pending_licences(*, only: set[int] | None = None) -> list[tuple[LicenceDecision, str]]:
    """Every licence decision version waiting to go out, with the action it goes out as.

    Set-based, no query per decision: the versions of one check's licence decision are its
    chain (one in force at a time), so "an earlier version was sent" is one more anti-join. A
    revoked version goes out as a revocation when it or an earlier version was sent; an in-force
    version as a correction when an earlier one was sent, else as new. Whether a decision is
    published at all is `licence_goes_to_publicity` (granted, with a credit measure applied):
    the database narrows to those, and the rule decides each."""
    live = _live_rows()
    applied = (CheckMeasure.objects.filter(credit_check=OuterRef("credit_check"), applied=True)
               .order_by().values("credit_check").annotate(n=Count("id")).values("n"))
    earlier = live.filter(licence__credit_check=OuterRef("credit_check"),
                          licence__version__lt=OuterRef("version"))
    candidates = (
        LicenceDecision.objects
        .alias(sent=Exists(live.filter(licence=OuterRef("pk"))),
               revocation_sent=Exists(live.filter(licence=OuterRef("pk"),
                                                  action=ExportAction.REVOCATION)))
        .annotate(earlier_sent=Exists(earlier),
                  measures_applied=Coalesce(Subquery(applied, output_field=IntegerField()), 0))
        .filter(outcome=LicenceOutcome.GRANTED, measures_applied__gt=0)
        .filter(Q(state=LicenceState.IN_FORCE, sent=False)
                | (Q(state=LicenceState.REVOKED, revocation_sent=False)
                   & (Q(sent=True) | Q(earlier_sent=True))))
        .select_related("credit_check__subject", "credit_check__department")
        .defer("credit_check__result")  # the check's whole snapshot: not needed for a row
        .order_by("decided_on", "id"))
    if only is not None:
        candidates = candidates.filter(pk__in=only)
    decisions = list(candidates)
    names: dict[int, list[str]] = {}
    # the applied measures' names for BZ: one query of plain values, not a prefetch of models
    for check_id, name in (CheckMeasure.objects
                           .filter(credit_check__in=candidates.values("credit_check_id"),
                                   applied=True)
                           .order_by("credit_check", "kind", "id")
                           .values_list("credit_check", "name")):
        names.setdefault(check_id, []).append(name)
    out: list[tuple[LicenceDecision, str]] = []
    for decision in decisions:
        decision.applied_measure_names = names.get(decision.credit_check_id, [])
        if not licence_goes_to_publicity(granted=decision.outcome == LicenceOutcome.GRANTED,
                                         measures_applied=decision.measures_applied):
            continue
        if decision.state == LicenceState.REVOKED:
            out.append((decision, ExportAction.REVOCATION))
        else:
            out.append((decision, ExportAction.CORRECTION if decision.earlier_sent
                        else ExportAction.NEW))
    return out


def _category_for(record: CreditRecord, categories: dict[str, str]) -> str:
    """The 处罚类别 a record type goes out as: the category of the mapping rule that brings it
    in (so a round trip lands on the same type), else 其他."""
    return categories.get(record.record_type.code, "其他")


def _wan(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    return format((amount / Decimal(10000)).normalize(), "f")


def row_values(record: CreditRecord, action: str, categories: dict[str, str]) -> list[str]:
    """One CF row for a record version, in `CF_EXPORT_HEADER` order."""
    subject = record.subject
    person = subject.kind == subject.Kind.INDIVIDUAL
    remark = {ExportAction.NEW: "",
              ExportAction.CORRECTION: "更正：" + (record.review_comment or ""),
              ExportAction.REVOCATION: "撤销：" + (record.review_comment or "")}[action]
    values = {
        "CF_WSH": record.document_number, "CF_XDR_MC": subject.name,
        "CF_XDR_LB": "自然人" if person else "法人及非法人组织",
        "CF_XDR_SHXYM": "" if person else subject.code,
        "CF_XDR_ZJLX": "身份证" if person else "", "CF_XDR_ZJHM": subject.code if person else "",
        "CF_FRDB": subject.legal_representative, "CF_WFXW": record.record_type.name,
        "CF_SY": record.description, "CF_YJ": record.record_type.legal_basis,
        "CF_CFLB": _category_for(record, categories), "CF_NR": record.record_type.name,
        "CF_NR_FK": _wan(record.amount), "CF_JDRQ": record.decided_on.isoformat(),
        "CF_YXQ": record.publicity_ends_on.isoformat(),
        "CF_GSJZQ": record.publicity_ends_on.isoformat(),
        "CF_CFJG": record.source_department.name,
        "CF_CFJGDM": record.source_department.credit_code,
        "CF_SJLY": record.source_department.name,
        "CF_SJLYDM": record.source_department.credit_code,
        "CF_ZT": STATUS_REVOKED if action == ExportAction.REVOCATION else STATUS_VALID,
        "BZ": remark.strip("：") if remark.endswith("：") else remark,
    }
    return [values[h] for h in CF_EXPORT_HEADER]


def licence_row_values(decision: LicenceDecision, action: str) -> list[str]:
    """One XK row for a licence decision version, in `XK_EXPORT_HEADER` order. BZ names the
    credit measures applied (why the licence is published), after 更正/撤销 and the reason."""
    check = decision.credit_check
    subject = check.subject
    person = subject.kind == subject.Kind.INDIVIDUAL
    applied = getattr(decision, "applied_measure_names", None)
    if applied is None:  # a decision not read by `pending_licences`
        applied = list(check.measures.filter(applied=True).values_list("name", flat=True))
    measures = "、".join(applied)
    prefix = {ExportAction.NEW: "",
              ExportAction.CORRECTION: f"更正：{decision.reason}",
              ExportAction.REVOCATION: f"撤销：{decision.revocation_reason}"}[action]
    values = {
        "XK_XDR_MC": subject.name, "XK_XDR_LB": "自然人" if person else "法人及非法人组织",
        "XK_XDR_SHXYM": "" if person else subject.code,
        "XK_XDR_ZJLX": "身份证" if person else "", "XK_XDR_ZJHM": subject.code if person else "",
        "XK_FRDB": subject.legal_representative, "XK_XKWS": XK_DOCUMENT_NAME,
        "XK_WSH": decision.document_number,
        "XK_XKLB": XK_CATEGORY_WORDS.get(decision.category, "其他"),
        "XK_XKZS": decision.certificate_name, "XK_XKBH": decision.certificate_number,
        "XK_NR": decision.content, "XK_JDRQ": decision.decided_on.isoformat(),
        "XK_YXQZ": decision.valid_from.isoformat() if decision.valid_from else "",
        "XK_YXQZI": decision.valid_until.isoformat() if decision.valid_until else "",
        "XK_XKJG": check.department.name, "XK_XKJGDM": check.department.credit_code,
        "XK_LYDW": check.department.name, "XK_LYDWDM": check.department.credit_code,
        "XK_ZT": STATUS_REVOKED if action == ExportAction.REVOCATION else STATUS_VALID,
        "BZ": "；".join(filter(None, [prefix, f"信用措施：{measures}" if measures else ""])),
    }
    return [values[h] for h in XK_EXPORT_HEADER]


def authority(item: CreditRecord | LicenceDecision) -> Department:
    """The department a row names as deciding authority and data source: the record's source
    department (CF), the check's department (XK)."""
    if isinstance(item, LicenceDecision):
        return item.credit_check.department
    return item.source_department


def without_credit_code(items: list[tuple[Any, str]]) -> list[tuple[Department, int]]:
    """The departments of pending rows that have no credit code yet, with how many of the
    rows each holds back: the 双公示 sets need the authority's and the source's 统一社会信用代码
    (CF_CFJGDM / CF_SJLYDM, XK_XKJGDM / XK_LYDWDM), so such rows wait (and the export page
    says why) instead of going out in an invalid file."""
    held: dict[int, tuple[Department, int]] = {}
    for item, _action in items:
        department = authority(item)
        if not department.credit_code:
            held[department.pk] = (department, held.get(department.pk, (department, 0))[1] + 1)
    return sorted(held.values(), key=lambda pair: pair[0].code)


def row_checksum(values: list[str]) -> str:
    """SHA-256 over the row's values (UTF-8, unit separator between cells): the same row has
    the same checksum in the UTF-8 and the GBK file."""
    return hashlib.sha256("\x1f".join(values).encode()).hexdigest()


def _categories() -> dict[str, str]:
    """record type code → the category of the first (lowest priority number) rule naming it."""
    out: dict[str, str] = {}
    for rule in FeedMapping.objects.filter(kind=FeedKind.PENALTY, is_active=True).exclude(
            category="").order_by("priority", "id"):
        out.setdefault(rule.record_type_code, rule.category)
    return out


@transaction.atomic
def export_prepare(*, actor: User, encoding: str = "utf-8", kind: str = FeedKind.PENALTY,
                   resend_of: ExportBatch | None = None) -> ExportBatch | None:
    """Write a new batch of `kind` (penalties CF or licences XK) with everything pending (or,
    for a re-send, what failed in `resend_of`, of its kind); None when nothing is pending."""
    permissions.require(can_export(actor), _("export decisions"))
    if encoding not in ENCODINGS:
        raise ValidationFailed("bad_encoding", _("Choose UTF-8 or GBK."), field="encoding")
    if resend_of is not None:
        resend_of = ExportBatch.objects.get(pk=resend_of.pk)  # its state as stored now
        kind = resend_of.kind
    if kind not in HEADERS:
        raise ValidationFailed("bad_kind", _("Choose penalties (CF) or licences (XK)."),
                               field="kind")
    licences = kind == FeedKind.LICENCE
    item_field = "licence_id" if licences else "record_id"
    only = None
    if resend_of is not None:
        failed = resend_of.row_set.all() if resend_of.state == ExportState.REJECTED else \
            resend_of.row_set.filter(failed=True)
        only = set(failed.values_list(item_field, flat=True))
        if not only:
            raise Conflict("nothing_failed", _("Nothing in batch %(b)s failed; there is nothing "
                                               "to re-send.") % {"b": resend_of.number})
    items: list[tuple[Any, str]] = (list(pending_licences(only=only)) if licences
                                     else list(pending(only=only)))
    held = without_credit_code(items)
    ready = [(item, action) for item, action in items if authority(item).credit_code]
    if held and not ready:
        raise Conflict("missing_credit_code", _missing_code_message(held), field="kind")
    rows: list[tuple[Any, str, list[str]]]
    if licences:
        rows = [(decision, action, licence_row_values(decision, action))
                for decision, action in ready]
    else:
        categories = _categories()
        rows = [(record, action, row_values(record, action, categories))
                for record, action in ready]
    if not rows:
        if resend_of is not None:
            raise Conflict("already_resent", _("Everything that failed in %(b)s has been sent "
                                               "again since.") % {"b": resend_of.number})
        return None
    header = HEADERS[kind]
    if encoding == "gbk":
        for n, (item, _action, values) in enumerate(rows, start=2):
            for column, value in zip(header, values, strict=True):
                try:
                    value.encode("gbk")
                except UnicodeEncodeError:
                    raise ValidationFailed(
                        "not_gbk", _("Row %(n)d (%(doc)s), %(col)s has characters GBK cannot "
                                     "write; export this batch in UTF-8.")
                        % {"n": n, "doc": item.document_number, "col": column},
                        field="encoding") from None
    content = csv_bytes(header, [values for _r, _a, values in rows],
                        encoding=ENCODINGS[encoding])
    batch = ExportBatch.objects.create(
        number=next_number("EXP", ExportBatch), kind=kind, encoding=encoding,
        content=content, file_sha256=hashlib.sha256(content).hexdigest(), row_count=len(rows),
        resend_of=resend_of, created_by=actor, created_at=clock.now(),
    )
    ExportRow.objects.bulk_create(
        ExportRow(batch=batch, row_number=n, action=action, checksum=row_checksum(values),
                  **({"licence": item} if licences else {"record": item}))
        for n, (item, action, values) in enumerate(rows, start=2)
    )
    record_event(actor=actor, action="exchange.export_prepare", target=batch, after={
        "kind": kind, "rows": len(rows), "sha256": batch.file_sha256, "encoding": encoding,
        "resend_of": resend_of.number if resend_of else None,
        "actions": {a: sum(1 for _r, act, _v in rows if act == a) for a in ExportAction.values},
        "held_back": {department.code: n for department, n in held},
    })
    return batch


def _missing_code_message(held: list[tuple[Department, int]]) -> str:
    """Why rows wait: the departments without a credit code, each with its count."""
    return _("%(n)d rows wait because their department has no unified social credit code: "
             "%(departments)s. An administrator enters it under 部门 (department).") % {
        "n": sum(n for _department, n in held),
        "departments": "、".join(f"{department.name}（{n}）" for department, n in held)}


def missing_code_warning(items: list[tuple[Any, str]]) -> str:
    """The export page's warning for the pending rows held back, or "" when none is."""
    held = without_credit_code(items)
    return _missing_code_message(held) if held else ""


def document_field(batch: ExportBatch) -> str:
    """Where a row's document number is: the record's (CF) or the licence decision's (XK)."""
    return ("licence__document_number" if batch.kind == FeedKind.LICENCE
            else "record__document_number")


def _locked(batch: ExportBatch) -> ExportBatch:
    return ExportBatch.objects.select_for_update().get(pk=batch.pk)


def _require_state(batch: ExportBatch, state: str) -> None:
    if batch.state != state:
        raise Conflict("invalid_state", _("Batch %(b)s is %(s)s; the action is not possible "
                                          "in that state.")
                       % {"b": batch.number, "s": batch.get_state_display()})


@transaction.atomic
def export_mark_sent(*, actor: User, batch: ExportBatch) -> ExportBatch:
    """The officer has handed the file to the receiving platform."""
    permissions.require(can_export(actor), _("export decisions"))
    batch = _locked(batch)
    _require_state(batch, ExportState.PREPARED)
    batch.mark_sent()
    batch.sent_at = clock.now()
    batch.save()
    record_event(actor=actor, action="exchange.export_sent", target=batch,
                 after={"sha256": batch.file_sha256})
    return batch


@transaction.atomic
def export_acknowledge(*, actor: User, batch: ExportBatch, receipt_name: str, receipt: bytes,
                       failed_documents: list[str] | None = None) -> ExportBatch:
    """The receiving platform's receipt came back; rows it names as refused (by document
    number) are marked failed and become pending for a re-send."""
    permissions.require(can_export(actor), _("export decisions"))
    if not receipt:
        raise ValidationFailed("required", _("Attach the receipt file."), field="receipt")
    batch = _locked(batch)
    _require_state(batch, ExportState.SENT)
    failed = {d.strip() for d in failed_documents or [] if d.strip()}
    numbers = set(batch.row_set.values_list(document_field(batch), flat=True))
    unknown = sorted(failed - numbers)
    if unknown:
        raise ValidationFailed("unknown_document",
                               _("These document numbers are not in batch %(b)s: %(d)s")
                               % {"b": batch.number, "d": "、".join(unknown)},
                               field="failed_documents")
    batch.acknowledge()
    batch.receipt_name, batch.receipt = receipt_name[:200], receipt
    batch.answered_at = clock.now()
    batch.save()
    marked = batch.row_set.filter(**{f"{document_field(batch)}__in": failed}).update(failed=True)
    record_event(actor=actor, action="exchange.export_acknowledged", target=batch, after={
        "receipt": receipt_name, "receipt_sha256": hashlib.sha256(receipt).hexdigest(),
        "failed_rows": marked})
    return batch


@transaction.atomic
def export_reject(*, actor: User, batch: ExportBatch, reasons: str) -> ExportBatch:
    """The receiving platform refused the whole file; every row becomes pending again."""
    permissions.require(can_export(actor), _("export decisions"))
    if not reasons.strip():
        raise ValidationFailed("required", _("Give the reasons the platform gave."),
                               field="reasons")
    batch = _locked(batch)
    _require_state(batch, ExportState.SENT)
    batch.reject()
    batch.rejection_reasons, batch.answered_at = reasons.strip(), clock.now()
    batch.save()
    record_event(actor=actor, action="exchange.export_rejected", target=batch,
                 after={"reasons": batch.rejection_reasons})
    return batch


def verify_batch(batch: ExportBatch) -> dict[str, Any]:
    """Recompute the file's SHA-256 against the one recorded: proof the bytes are the ones
    that were sent."""
    content = bytes(batch.content)
    return {"number": batch.number, "sha256": batch.file_sha256,
            "intact": hashlib.sha256(content).hexdigest() == batch.file_sha256,
            "rows": batch.row_count}
