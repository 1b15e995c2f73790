"""Helpers shared by every list kind's services: locking, four eyes, derived records, notices."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any, TypeVar

from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import Department, User
from audit.services import record_event
from common import clock, verification
from common.errors import PermissionDeniedError, ServiceError, ValidationFailed
from common.pdf import render_pdf
from lists import catalogue, rules
from lists.models import (
    BlackListEntry,
    BlacklistGround,
    IndustrySanction,
    NoticeDocument,
    RedListEntry,
)
from records.models import CreditRecord, RecordState
from records.services import (
    record_approve,
    record_create,
    record_revoke,
)
from subjects.models import Subject

M = TypeVar("M", bound=models.Model)


# --- helpers ----------------------------------------------------------------------------------
def _locked(instance: M) -> M:
    """Re-read the row under SELECT … FOR UPDATE (a no-op on SQLite, whose IMMEDIATE
    transactions already serialise writers); the caller re-checks the state it expects."""
    model = type(instance)
    return model.objects.select_for_update(of=("self",)).get(pk=instance.pk)


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed("required", message, field=field)
    return value


def _four_eyes(actor: User, *others: User | int | None) -> None:
    """Whoever proposed (or nominated, or wrote) a case never decides on it."""
    ids = {getattr(o, "pk", o) for o in others if o is not None}
    if actor.pk in ids:
        raise PermissionDeniedError(
            "four_eyes", _("You proposed this case; another reviewer must decide on it."))


def _lead_department() -> Department:
    lead = Department.objects.filter(kind=Department.Kind.LEAD).first()
    if lead is None:
        raise ValidationFailed("no_lead_department", _("No lead department is configured."))
    return lead


def _derived_record(
    *, creator: User | None, approver: User | None, subject: Subject, type_code: str,
    occurred_on: dt.date, decided_on: dt.date, document_number: str, department: Department,
    description: str, is_public: bool | None = None,
) -> tuple[CreditRecord | None, str]:
    """Feed a list decision back into the archive as an effective credit record.

    The record goes through `records.services` like any other: the case's proposer enters it and
    the decider approves it (the same two pairs of eyes that made the decision). If either can no
    longer act (account disabled, role changed), the decision still stands and the failure is
    returned, to be shown on the workbench so that a clerk enters the record by hand.
    """
    if creator is None or approver is None or creator.pk == approver.pk:
        return None, _("No second person is available to approve the listing record.")
    try:
        with transaction.atomic():
            record = record_create(
                actor=creator, subject=subject,
                record_type=catalogue.derived_record_type(type_code),
                occurred_on=occurred_on, decided_on=decided_on,
                document_number=document_number, source_department=department,
                description=description, is_public=is_public, submit=True,
            )
            record = record_approve(actor=approver, record=record,
                                    comment=_("Derived from a list decision."))
    except ServiceError as exc:
        return None, str(exc.message)
    return record, ""


def _end_derived_record(record: CreditRecord | None, *, actor: User | None, reason: str) -> str:
    """Revoke the record a listing created when the listing is annulled or repaired.

    发改委令第36号: repair means 终止公示、停止共享和使用 and the evaluation is updated; an upheld
    objection means the listing should never have been. Revoking sends record_state_changed, so
    grades and key supervision follow at once.
    """
    if record is None:
        return ""
    if actor is None:
        return _("No reviewer is available to revoke the listing record.")
    current = CreditRecord.objects.get(pk=record.pk)
    if current.state != RecordState.EFFECTIVE:
        return ""
    try:
        with transaction.atomic():
            record_revoke(actor=actor, record=current, reason=reason)
    except ServiceError as exc:  # the list decision stands; the workbench shows the failure
        return str(exc.message)
    return ""


def _store_notice(
    *, kind: str, actor: User, template: str, context: dict[str, Any],
    black_entry: BlackListEntry | None = None, red_entry: RedListEntry | None = None,
    sanction: IndustrySanction | None = None,
) -> NoticeDocument:
    """Render a notice to PDF and keep it with its SHA-256, so what was served can be proved.

    The notice is stored first so that its verification token can be issued for it
    (`common.verification`, filled in by the portal); the PDF then carries the QR code and the
    link to the public page that says whether the notice still stands.
    """
    notice = NoticeDocument(kind=kind, black_entry=black_entry, red_entry=red_entry,
                            sanction=sanction, issued_on=clock.today(), sha256="", size=0,
                            created_by=actor)
    notice.save()
    verify_url = verification.verification_url(notice, actor=actor)
    pdf = render_pdf(template, {**context, "verify_url": verify_url})
    digest = hashlib.sha256(pdf).hexdigest()
    # Named by checksum: if the transaction rolls back, the orphan file is harmless.
    notice.file.save(f"{digest}.pdf", ContentFile(pdf), save=False)
    notice.sha256, notice.size = digest, len(pdf)
    notice.save(update_fields=["file", "sha256", "size"])
    owner = black_entry or red_entry
    record_event(actor=actor, action=f"lists.notice.{kind}", target=notice,
                 after={"sha256": digest, "size": len(pdf),
                        **({"sanction": sanction.pk} if sanction is not None
                           else {"entry": owner.pk if owner else None})})
    return notice


def _effective_proofs(
    *, subject: Subject, ground: BlacklistGround, records: Sequence[CreditRecord], today: dt.date,
) -> list[CreditRecord]:
    """The cited records that prove the ground, or a refusal that says which one does not.

    A record proves a ground only if it is the subject's, of a type the ground names, effective,
    and still inside its publicity period: 建市〔2017〕241号 第十三条 forbids using bad records
    past their disclosure period for punishment.
    """
    if not records:
        raise ValidationFailed("no_proof", _("Cite at least one effective record that proves "
                                             "the ground."), field="records")
    proofs = []
    for record in records:
        label = record.document_number
        if record.subject_id != subject.pk:
            raise ValidationFailed("proof_other_subject",
                                   _("Record %(n)s belongs to another subject.") % {"n": label},
                                   field="records")
        if record.record_type.code not in ground.record_type_codes:
            raise ValidationFailed(
                "proof_wrong_type",
                _("Record %(n)s (%(t)s) does not prove the ground “%(g)s”.")
                % {"n": label, "t": record.record_type.name, "g": ground.name}, field="records")
        if record.state != RecordState.EFFECTIVE:
            raise ValidationFailed(
                "proof_not_effective",
                _("Record %(n)s is not effective (%(s)s); only effective records prove a ground.")
                % {"n": label, "s": record.get_state_display()}, field="records")
        if record.publicity_ends_on < today:
            raise ValidationFailed(
                "proof_expired",
                _("Record %(n)s is past its publicity period and may no longer be used for "
                  "punishment.") % {"n": label}, field="records")
        proofs.append(record)
    if ground.window_months:
        start = rules.red_list_clean_window_start(as_of=today, months=ground.window_months)
        in_window = [r for r in proofs if r.occurred_on >= start]
    else:
        in_window = proofs
    if len(in_window) < ground.min_records:
        raise ValidationFailed(
            "proof_insufficient",
            _("The ground “%(g)s” needs %(n)s such records%(w)s.")
            % {"g": ground.name, "n": ground.min_records,
               "w": _(" within %(m)s months") % {"m": ground.window_months}
               if ground.window_months else ""}, field="records")
    return proofs


def _each_due(model: type[M], due: Q, step: Any) -> int:
    """Apply `step(entry)` to every row matching `due`, each in its own transaction with the
    row locked (SKIP LOCKED: a row another worker holds is left for the next run) and the
    condition re-checked under the lock, so every row moves exactly once."""
    moved = 0
    for pk in list(model.objects.filter(due).values_list("pk", flat=True)):
        with transaction.atomic():
            entry = model.objects.select_for_update(skip_locked=True, of=("self",)).filter(
                due, pk=pk).first()
            if entry is None:
                continue
            step(entry)
            moved += 1
    return moved
