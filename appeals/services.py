"""Everything an enterprise does from /my/, and the staff's answers: each a transaction with its
audit event, the enterprise checked to act for its own subject only.

A list-step objection and a credit-repair application are registered in the list procedures
through `lists.services` (which suspend the entry, fix its dates, refuse repeats and refuse repair
before the minimum period): the enterprise cannot hold a staff role, so the lists services see the
intake service account of the department that carries the case (a clerk of that department, no
password, least privilege, as `approvals` does for commitment outcomes), while this app's audit
event names the enterprise user who filed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department, Role, User
from accounts.permissions import is_staff_member as account_is_staff
from accounts.permissions import require
from accounts.services import service_account
from appeals import permissions, rules
from appeals.models import (
    Appeal,
    AppealEvidence,
    AppealTarget,
    CreditCommitment,
    EnterpriseAccount,
    RepairApplication,
)
from audit.services import record_event
from common import clock
from common.errors import Conflict, ValidationFailed
from lists import services as list_services
from lists.models import BlackListEntry, Objection, RedListEntry
from records.models import CreditRecord, RecordState
from records.services import check_upload, record_correct, record_revoke
from scoring import selectors as scoring_selectors
from subjects.models import Subject

MAX_EVIDENCE_FILES = 5


def _required(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed("required", message, field=field)
    return value


# --- accounts ---------------------------------------------------------------------------------
def registrable_subject(*, code: str) -> Subject | None:
    """The enterprise of the county with this unified social credit code, or None (unknown, or
    the code of a subject that is not an enterprise: a practitioner never gets an account)."""
    return Subject.objects.filter(code=code, kind=Subject.Kind.ENTERPRISE).first()


@transaction.atomic
def account_register(*, username: str, password: str, subject_code: str, contact_name: str,
                     contact_phone: str) -> EnterpriseAccount:
    """Register an enterprise user for the subject with `subject_code`; it waits for the lead
    department's verification and sees nothing before. Several users may register for one
    enterprise; each belongs to that one subject only.

    Whether the code is known is never told (《个人信息保护法》第五十一条: the platform keeps
    what it holds from being learnt by whoever types a code): a code that matches no enterprise
    of the county gives the same account, the same answer and the same waiting page, kept as
    `UNMATCHED` for staff, who refuse it in their queue.
    """
    username = _required(username, "username", _("Choose a user name."))
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed("duplicate_username", _("This user name is already taken."),
                               field="username")
    code = _required(subject_code, "subject_code",
                     _("Give the unified social credit code.")).upper()
    contact_name = _required(contact_name, "contact_name", _("Name the contact person."))
    contact_phone = _required(contact_phone, "contact_phone", _("Give a contact phone."))
    user = User(username=username, role=Role.ENTERPRISE, first_name=contact_name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed("weak_password", " ".join(exc.messages), field="password") from exc
    user.set_password(password)
    user.save()
    subject = registrable_subject(code=code)
    account = EnterpriseAccount.objects.create(
        user=user, subject=subject, subject_code=code, contact_name=contact_name,
        contact_phone=contact_phone, registered_at=clock.now(),
        state=(EnterpriseAccount.State.PENDING if subject is not None
               else EnterpriseAccount.State.UNMATCHED))
    record_event(actor=user, action="appeals.account_register", target=account,
                 after={"username": username, "subject": subject.pk if subject else None,
                        "subject_code": code, "state": account.state,
                        "contact_name": account.contact_name})
    return account


@transaction.atomic
def account_decide(*, actor: User, account: EnterpriseAccount, verify: bool, reason: str = ""
                   ) -> EnterpriseAccount:
    """Verify (or refuse) an enterprise account: the lead department's reviewers, after checking
    that the contact really acts for the enterprise (e.g. by its business licence and letter of
    authorisation)."""
    require(permissions.can_verify_accounts(actor), _("verify enterprise accounts"))
    account = EnterpriseAccount.objects.select_for_update().get(pk=account.pk)
    if account.state not in (EnterpriseAccount.State.PENDING, EnterpriseAccount.State.UNMATCHED):
        raise Conflict("already_decided", _("This account has already been decided."))
    if verify and account.subject_id is None:
        raise Conflict("no_subject", _("No enterprise of the county has this code: the "
                                       "registration can only be refused."))
    if not verify:
        reason = _required(reason, "reason", _("Give the reason for refusing."))
    account.state = (EnterpriseAccount.State.VERIFIED if verify
                     else EnterpriseAccount.State.REFUSED)
    account.decided_by, account.decided_on, account.reason = actor, clock.today(), reason.strip()
    account.save()
    if not verify:
        account.user.is_active = False
        account.user.save(update_fields=["is_active"])
    record_event(actor=actor, action="appeals.account_decide", target=account,
                 after={"state": account.state, "reason": account.reason})
    return account


@transaction.atomic
def account_create_verified(*, actor: User | None, username: str, subject: Subject,
                            contact_name: str, contact_phone: str) -> tuple[EnterpriseAccount, str]:
    """An enterprise account the lead department opens itself (at the window, or the demo):
    verified at once, with a one-time password to hand over (changed at first sign-in)."""
    if actor is not None:
        require(permissions.can_verify_accounts(actor), _("verify enterprise accounts"))
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed("duplicate_username", _("This user name is already taken."),
                               field="username")
    from accounts.services import _one_time_password

    password = _one_time_password()
    user = User(username=username, role=Role.ENTERPRISE, first_name=contact_name,
                must_change_password=True)
    user.set_password(password)
    user.save()
    account = EnterpriseAccount.objects.create(
        user=user, subject=subject, subject_code=subject.code, contact_name=contact_name,
        contact_phone=contact_phone, registered_at=clock.now(),
        state=EnterpriseAccount.State.VERIFIED, decided_by=actor,
        decided_on=clock.today())
    record_event(actor=actor, action="appeals.account_open", target=account,
                 after={"username": username, "subject": subject.pk, "one_time": True})
    return account, password


# --- sign-in through the province's identity service (OpenID Connect) -----------------------
def _oidc_username(*, code: str, oidc_sub: str) -> str:
    """A stable user name for an identity: the enterprise's code and a digest of the provider's
    subject identifier (never the identifier itself, which may be a person's number)."""
    digest = hashlib.sha256(oidc_sub.encode()).hexdigest()[:10]
    return f"{code.lower()}-{digest}"


_OIDC_REFUSALS = {
    "no_code": gettext_lazy(
        "The identity service did not confirm a unified social credit code: sign in there as "
        "an enterprise (legal person), or register with a password."),
    "unknown_code": gettext_lazy(
        "No enterprise with the unified social credit code the identity service confirmed is "
        "registered in the county's credit archive. Contact the county housing authority to "
        "have it registered."),
    "other_subject": gettext_lazy("This identity is linked to another enterprise's account."),
    "not_enterprise": gettext_lazy(
        "Staff accounts cannot sign in through the identity service."),
    "inactive": gettext_lazy("This enterprise account has been disabled by the lead "
                             "department."),
}


def _oidc_refused(reason: str) -> ValidationFailed:
    return ValidationFailed(reason, _OIDC_REFUSALS[reason])


def oidc_refusal(*, reason: str, code: str = "", oidc_sub: str = "") -> str:
    """Record (audited) that a sign-in through the identity service was refused and return the
    Chinese message the enterprise is shown. Runs in its own transaction: the sign-in fails, the
    record of it stays. The identity is logged as a digest only."""
    with transaction.atomic():
        record_event(actor=None, action="appeals.oidc_refused",
                     target_type="appeals.enterpriseaccount",
                     after={"reason": reason, "subject_code": code,
                            "identity": hashlib.sha256(oidc_sub.encode()).hexdigest()[:16]
                            if oidc_sub else ""})
    return str(_OIDC_REFUSALS[reason])


def oidc_account(*, oidc_sub: str, code: str, contact_name: str = "") -> EnterpriseAccount:
    """The enterprise account for an identity the province's unified identity service verified,
    asserting the enterprise's unified social credit code `code`.

    The account already bound to this identity signs in, if it is still the same enterprise's,
    an enterprise account and active. A first sign-in opens an account bound to exactly one
    subject, the county's enterprise with that code, verified at once: the identity service has
    authenticated the legal person itself (what the lead department's check of the business
    licence and letter of authorisation establishes for a password account), so no second
    verification is asked. A code that is not an enterprise of the county, and any attempt to
    reach a staff account, is refused (`ValidationFailed` whose `code` is the refusal's reason).
    Opening and each sign-in are audited.
    """
    code = (code or "").strip().upper()
    if not oidc_sub or not code:
        raise _oidc_refused("no_code")
    with transaction.atomic():
        account = (EnterpriseAccount.objects.select_related("user", "subject")
                   .filter(oidc_sub=oidc_sub).first())
        if account is not None:
            user = account.user
            if (user.role != Role.ENTERPRISE or user.is_staff or user.is_superuser
                    or account_is_staff(user)):
                raise _oidc_refused("not_enterprise")
            if account.subject is None or account.subject.code != code:
                raise _oidc_refused("other_subject")
            if account.state != EnterpriseAccount.State.VERIFIED or not user.is_active:
                raise _oidc_refused("inactive")
            record_event(actor=user, action="appeals.oidc_sign_in", target=account,
                         after={"subject": account.subject_id})
            return account
        subject = registrable_subject(code=code)
        if subject is None:
            raise _oidc_refused("unknown_code")
        username = _oidc_username(code=code, oidc_sub=oidc_sub)
        user = User(username=username, role=Role.ENTERPRISE,
                    first_name=(contact_name or "").strip()[:150])
        user.set_unusable_password()
        user.save()
        account = EnterpriseAccount.objects.create(
            user=user, subject=subject, subject_code=code, oidc_sub=oidc_sub,
            contact_name=(contact_name or "").strip()[:100], contact_phone="",
            registered_at=clock.now(), state=EnterpriseAccount.State.VERIFIED,
            decided_on=clock.today(),
            reason=_("Verified by the province's unified identity service."))
        record_event(actor=user, action="appeals.account_oidc_open", target=account,
                     after={"username": username, "subject": subject.pk, "subject_code": code,
                            "state": account.state})
        record_event(actor=user, action="appeals.oidc_sign_in", target=account,
                     after={"subject": subject.pk})
    return account


def _intake_agent(department: Department) -> User:
    """The service account through which a subject's own filing enters a department's case.

    A clerk of `department` (clerks act for their own department only), without a password so
    nobody can sign in as it, created once with its audit event.
    """
    return service_account(department=department, username=f"appeals-{department.code}",
                           display_name="企业自助申请受理")


def _lead() -> Department:
    return Department.objects.get(kind=Department.Kind.LEAD)


def _subject_of(actor: User) -> Subject:
    """The one subject `actor` acts for; refuses anyone without a verified enterprise account."""
    subject = permissions.enterprise_subject(actor)
    require(subject is not None, _("act for an enterprise"))
    assert subject is not None
    return subject


def _own(subject: Subject, obj: Any) -> None:
    require(obj is not None and obj.subject_id == subject.pk, _("act for another subject"))


# --- objections -------------------------------------------------------------------------------
def filing_deadline(*, target: str, subject: Subject, record: CreditRecord | None = None,
                    entry: BlackListEntry | RedListEntry | None = None) -> dt.date | None:
    """The last day to object to the target, by its rule (`appeals.rules`)."""
    if target == AppealTarget.RECORD and record is not None:
        return rules.record_objection_deadline(publicity_ends_on=record.publicity_ends_on)
    if target == AppealTarget.GRADE:
        found = scoring_selectors.current_evaluation(subject=subject)
        if found is None:
            return None
        evaluation, batch, _model = found
        return rules.grade_objection_deadline(graded_on=evaluation.as_of or batch.as_of)
    if entry is not None:
        return rules.list_objection_deadline(publicity_ends_on=entry.publicity_ends_on,
                                             effective_until=getattr(entry, "effective_until",
                                                                     None)
                                             or getattr(entry, "valid_until", None))
    return None


def _store_evidence(appeal: Appeal, uploads: Sequence[UploadedFile]) -> list[AppealEvidence]:
    stored = []
    for upload in uploads:
        checked = check_upload(
            upload=upload, field="evidence",
            type_message=_("Evidence must be a PDF, OFD, PNG or JPEG file; %(name)s is not."))
        if any(e.sha256 == checked.sha256 for e in stored):
            continue
        evidence = AppealEvidence(appeal=appeal, original_name=Path(upload.name or "").name[:200],
                                  extension=checked.extension, content_type=checked.content_type,
                                  size=upload.size, sha256=checked.sha256)
        evidence.file.save("ignored", upload, save=False)
        evidence.save()
        stored.append(evidence)
    return stored


def appeal_file(*, actor: User, target: str, reasons: str, ground: str = Objection.Ground.FACTS,
                record: CreditRecord | None = None, black_entry: BlackListEntry | None = None,
                red_entry: RedListEntry | None = None,
                evidence: Sequence[UploadedFile] = ()) -> Appeal:
    """File an objection (异议) against one of the subject's records, its grade or a list step.

    Refused after the filing deadline of the target's rule (`appeals.rules`); the answer is due
    by `rules.answer_deadline`. A list-step objection is registered in the list procedure at
    once (`lists.services.objection_file`: it suspends the entry, refuses a repeat on a ground
    already answered without new evidence). Evidence files pass the records' upload check.
    """
    subject = _subject_of(actor)
    if target not in AppealTarget.values:
        raise ValidationFailed("bad_target", _("Choose what the objection is against."),
                               field="target")
    if ground not in Objection.Ground.values:
        raise ValidationFailed("bad_ground", _("Choose the ground of the objection."),
                               field="ground")
    reasons = _required(reasons, "reasons", _("State the reasons of the objection."))
    if len(evidence) > MAX_EVIDENCE_FILES:
        raise ValidationFailed("too_many_files", _("Attach at most %(n)s files.")
                               % {"n": MAX_EVIDENCE_FILES}, field="evidence")
    today = clock.today()
    entry: BlackListEntry | RedListEntry | None = None
    appeal = Appeal(subject=subject, target=target, ground=ground, reasons=reasons,
                    filed_by=actor, filed_on=today, answer_due_on=rules.answer_deadline(
                        filed_on=today))
    if target == AppealTarget.RECORD:
        _own(subject, record)
        assert record is not None
        if record.state != RecordState.EFFECTIVE:
            raise Conflict("not_effective", _("Only an effective record can be objected to."))
        appeal.record = record
    elif target == AppealTarget.GRADE:
        found = scoring_selectors.current_evaluation(subject=subject)
        if found is None:
            raise Conflict("no_grade", _("The subject has no grade to object to."))
        evaluation, batch, _model = found
        appeal.grade, appeal.grade_as_of = evaluation.grade, evaluation.as_of or batch.as_of
    else:
        entry = black_entry if target == AppealTarget.BLACK else red_entry
        _own(subject, entry)
        appeal.black_entry = black_entry if target == AppealTarget.BLACK else None
        appeal.red_entry = red_entry if target == AppealTarget.RED else None
    deadline = filing_deadline(target=target, subject=subject, record=record, entry=entry)
    if deadline is None or today > deadline:
        raise Conflict("filing_closed",
                       _("The period to object ended on %(d)s (国办发〔2020〕49号 (八)).")
                       % {"d": deadline} if deadline else
                       _("This cannot be objected to at this step."))
    appeal.filing_deadline = deadline
    with transaction.atomic():
        if entry is not None:
            names = ", ".join(Path(u.name or "").name for u in evidence)
            appeal.list_objection = list_services.objection_file(
                actor=_intake_agent(entry.department or _lead()), entry=entry,
                objector=subject.name, grounds=reasons, ground=ground,
                new_evidence=_("Evidence filed online: %(f)s") % {"f": names} if names else "")
        elif Appeal.objects.filter(subject=subject, target=target, record=record,
                                   state=Appeal.State.PENDING).exists():
            raise Conflict("objection_pending", _("An objection is already pending."))
        appeal.save()
        stored = _store_evidence(appeal, evidence)
        record_event(actor=actor, action="appeals.objection_file", target=appeal,
                     after={"target": target, "record": appeal.record_id,
                            "black_entry": appeal.black_entry_id,
                            "red_entry": appeal.red_entry_id, "grade": appeal.grade,
                            "ground": ground, "reasons": reasons,
                            "evidence": [e.sha256 for e in stored],
                            "filing_deadline": deadline, "answer_due_on": appeal.answer_due_on,
                            "list_objection": appeal.list_objection_id})
    return appeal


@transaction.atomic
def appeal_answer(*, actor: User, appeal: Appeal, accept: bool, answer: str,
                  corrected_description: str = "") -> Appeal:
    """Answer an objection with reasons (the lead department's reviewers).

    A list step: answered in the list procedure (`lists.services.objection_decide`: upheld voids
    the entry, rejected resumes it on its fixed dates). A record, accepted: with a corrected
    description the correction goes to review like any record (`records.services.record_correct`),
    without one the record is revoked (`record_revoke`); either way audited by the records app.
    A grade, accepted: the grade follows from the records, so the answer says which record was
    corrected; the subject is re-graded by the records' own signal when that correction is made.
    """
    require(permissions.can_answer(actor), _("answer objections"))
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.state != Appeal.State.PENDING:
        raise Conflict("already_answered", _("This objection has already been answered."))
    answer = _required(answer, "answer", _("Give the reasons for the answer."))
    if appeal.list_objection_id:
        list_services.objection_decide(actor=actor, objection=appeal.list_objection,
                                       upheld=accept, reply=answer)
    elif accept and appeal.record_id:
        record = appeal.record
        if record.state == RecordState.EFFECTIVE:
            if corrected_description.strip():
                appeal.correction = record_correct(
                    actor=actor, record=record, reason=answer,
                    description=corrected_description.strip())
            else:
                record_revoke(actor=actor, record=record, reason=answer)
    appeal.state = Appeal.State.ACCEPTED if accept else Appeal.State.REJECTED
    appeal.answer, appeal.answered_by, appeal.answered_on = answer, actor, clock.today()
    appeal.save()
    record_event(actor=actor, action="appeals.objection_answer", target=appeal,
                 after={"state": appeal.state, "answer": answer,
                        "correction": appeal.correction_id})
    return appeal


# --- credit repair ----------------------------------------------------------------------------
def repair_apply(*, actor: User, proof: str, commitment: str,
                 black_entry: BlackListEntry | None = None, record: CreditRecord | None = None
                 ) -> RepairApplication:
    """Apply for credit repair (信用修复) of one of the subject's black-list entries in force or
    bad records in publicity, with the proof that the obligations are fulfilled and the signed
    repair commitment. Registered in the list procedure (`lists.services.repair_request`), which
    refuses it before the minimum period and names the day it opens; decided there by the lead
    department within `lists.rules.credit_repair_decision_deadline`."""
    subject = _subject_of(actor)
    if (black_entry is None) == (record is None):
        raise ValidationFailed("bad_target", _("Apply for one black-list entry or one record."))
    target = black_entry or record
    _own(subject, target)
    department = black_entry.department if black_entry is not None else record.source_department
    with transaction.atomic():
        request = list_services.repair_request(
            actor=_intake_agent(department), proof=proof, commitment=commitment,
            entry=black_entry, record=record)
        application = RepairApplication.objects.create(
            subject=subject, request=request, filed_by=actor, filed_at=clock.now())
        record_event(actor=actor, action="appeals.repair_apply", target=application,
                     after={"request": request.pk, "black_entry": request.entry_id,
                            "record": request.record_id, "proof": request.proof,
                            "commitment": request.commitment,
                            "decision_due_on": request.decision_due_on})
    return application


# --- credit commitments -----------------------------------------------------------------------
def commitment_text(*, subject: Subject) -> str:
    """The county's standard credit commitment (信用承诺书) text for `subject`."""
    return _(
        "%(name)s (unified social credit code %(code)s) solemnly commits: the information and "
        "materials we provide are true and complete; we operate lawfully and honestly, fulfil "
        "our contracts and the obligations set by laws and regulations, and accept supervision "
        "by the authorities and the public. If we break this commitment, we accept that the "
        "breach is recorded in our credit archive, published according to the rules, and that "
        "the corresponding credit measures apply.") % {"name": subject.name,
                                                        "code": subject.code}


@transaction.atomic
def commitment_sign(*, actor: User, signer: str, accept: bool) -> CreditCommitment:
    """Sign the credit commitment (信用承诺书) online: the text as shown, the signer's name and
    the day are kept in the subject's archive (国办发〔2019〕35号 (二))."""
    subject = _subject_of(actor)
    if not accept:
        raise ValidationFailed("not_accepted", _("Tick the box to sign the commitment."),
                               field="accept")
    signer = _required(signer, "signer", _("Name who signs for the enterprise."))
    commitment = CreditCommitment.objects.create(
        subject=subject, text=commitment_text(subject=subject), signer=signer, signed_by=actor,
        signed_on=clock.today())
    record_event(actor=actor, action="appeals.commitment_sign", target=commitment,
                 after={"signer": signer, "text": commitment.text})
    return commitment
