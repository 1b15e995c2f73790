"""What each audit action code means, in words: the one mapping every page reads.

Services write short, stable codes (`record.approve`, `lists.black.decide`) into the log; the code
is part of the hashed event and never changes. People read the label. Every code the code base
emits has a label here (a test scans every `record_event(action=…)` call and fails on a code
without one), so no page shows a raw code. Two families are worded from their parts instead of
listed: catalogue edits made in the Django admin (`admin.<model>.create|update`, worded with the
model's own name) and anything unknown, which reads as "other action" rather than leaking a code.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.utils.translation import gettext, pgettext, pgettext_lazy


def _(text: str) -> Any:
    """A label: English msgid under the "audit action" context (so "Approved" here cannot clash
    with another catalogue's "Approved")."""
    return pgettext_lazy("audit action", text)


ACTION_LABELS: dict[str, Any] = {
    # the log itself, the demo county
    "audit.seal": _("Audit log sealed"),
    "demo.seed": _("Demo data generated"),
    # accounts
    "department.create": _("Department created"),
    "department.credit_code": _("Department's credit code set"),
    "user.create": _("Account created"),
    "user.update": _("Account changed"),
    "user.password_change": _("Own password changed"),
    "user.password_reset": _("Password reset by an administrator"),
    "user.second_factor_enable": _("Second factor enabled"),
    "user.second_factor_remove": _("Second factor removed"),
    "api_token.issue": _("API token issued"),
    "api_token.revoke": _("API token revoked"),
    # subjects
    "subject.create": _("Subject registered"),
    "subject.update": _("Subject changed"),
    "subject.confirm_code": _("Subject's code confirmed"),
    "subject.unmask": _("Personal data viewed unmasked"),
    # records
    "record.create": _("Credit record entered"),
    "record.bulk_create": _("Credit records entered by import (one chunk)"),
    "record.update": _("Credit record draft edited"),
    "record.submit": _("Credit record submitted for review"),
    "record.approve": _("Credit record approved"),
    "record.reject": _("Credit record rejected"),
    "record.correct": _("Correction of a credit record proposed"),
    "record.superseded": _("Credit record superseded by a correction"),
    "record.revoke": _("Credit record revoked"),
    "record.repair": _("Credit record repaired"),
    "record.publicity_end": _("Publicity of a credit record ended"),
    "record.publicity_resume": _("Publicity of a credit record resumed"),
    "record.evidence": _("Evidence attached to a credit record"),
    "record.evidence_view": _("Evidence of a credit record opened"),
    # scoring
    "scoring.model_upload": _("Scoring model uploaded"),
    "scoring.model_update": _("Scoring model draft changed"),
    "scoring.model_publish": _("Scoring model published"),
    "scoring.model_install": _("Shipped scoring model installed"),
    "scoring.model_retire_request": _("Retirement of a scoring model requested"),
    "scoring.model_retire_refuse": _("Retirement of a scoring model refused"),
    "scoring.model_retire": _("Scoring model retired"),
    "scoring.what_if": _("What-if run over a draft model"),
    "scoring.regrade": _("Subjects re-graded"),
    "scoring.prune_batches": _("Old evaluation batches pruned"),
    "scoring.regrade_subjects": _("Subjects re-graded after their basis changed"),
    # supervision
    "supervision.measure_update": _("Supervision measure changed"),
    "supervision.measures_install": _("Default supervision measures installed"),
    "supervision.pool_create": _("Inspector pool created"),
    "supervision.inspector_create": _("Inspector added"),
    "supervision.inspector_active": _("Inspector activated or deactivated"),
    "supervision.conflict_create": _("Conflict-of-interest rule added"),
    "supervision.conflict_deactivate": _("Conflict-of-interest rule deactivated"),
    "supervision.plan_draw": _("Random inspection plan drawn"),
    "supervision.plan_publish": _("Random inspection plan published"),
    "supervision.plan_result": _("Inspection result recorded"),
    # lists: black list
    "lists.black.propose": _("Black-list entry proposed"),
    "lists.black.notify": _("Notice of intended listing served"),
    "lists.black.statement": _("Statement and defence recorded"),
    "lists.black.begin_review": _("Black-list case sent for review"),
    "lists.black.decide": _("Black-list listing decided"),
    "lists.black.dismiss": _("Black-list case dismissed"),
    "lists.black.withdraw": _("Black-list proposal withdrawn"),
    "lists.black.publish": _("Black-list decision published"),
    "lists.black.in_force": _("Black-list entry in force"),
    "lists.black.expire": _("Black-list entry expired"),
    "lists.black.repaired": _("Black-list entry removed by credit repair"),
    "lists.black.objection": _("Objection to a black-list entry registered"),
    "lists.black.objection_answer": _("Objection to a black-list entry answered"),
    # lists: red list
    "lists.red.nominate": _("Red-list nomination made"),
    "lists.red.review": _("Red-list nomination reviewed"),
    "lists.red.publicity_closed": _("Red-list publicity closed"),
    "lists.red.decide": _("Red-list nomination decided"),
    "lists.red.publish": _("Red-list entry published"),
    "lists.red.remove": _("Red-list entry removed"),
    "lists.red.hold": _("Red-list entry suspended"),
    "lists.red.release": _("Red-list entry suspension lifted"),
    "lists.red.expire": _("Red-list entry expired"),
    "lists.red.objection": _("Objection to a red-list entry registered"),
    "lists.red.objection_answer": _("Objection to a red-list entry answered"),
    # lists: key supervision, sanctions, notices, repair, typical cases
    "lists.key.enter": _("Subject put under key supervision"),
    "lists.key.end": _("Key supervision ended"),
    "lists.sanction.propose": _("Industry sanction proposed"),
    "lists.sanction.notify": _("Notice of intended sanction served"),
    "lists.sanction.statement": _("Statement against a sanction recorded"),
    "lists.sanction.decide": _("Industry sanction decided"),
    "lists.sanction.reject": _("Industry sanction rejected"),
    "lists.sanction.revoke": _("Industry sanction revoked"),
    "lists.notice.intent": _("Notice of intended listing issued"),
    "lists.notice.announcement": _("Publicity announcement issued"),
    "lists.notice.red_announcement": _("Red-list publicity announcement issued"),
    "lists.notice.sanction_notice": _("Notice of intended sanction issued"),
    "lists.notice.sanction_decision": _("Sanction decision issued"),
    "lists.repair_request": _("Credit repair requested"),
    "lists.repair_decide": _("Credit repair decided"),
    "lists.repair_breach": _("Repair commitment breached"),
    "lists.case.create": _("Typical case written"),
    "lists.case.update": _("Typical case edited"),
    "lists.case.submit": _("Typical case submitted"),
    "lists.case.return_to_author": _("Typical case returned to its author"),
    "lists.case.publish": _("Typical case published"),
    "lists.case.withdraw": _("Typical case withdrawn"),
    # approvals
    "approvals.check": _("Credit check run"),
    "approvals.check_bulk": _("Credit checks of many subjects run in one call"),
    "approvals.commitment_record": _("Commitment (容缺受理) recorded"),
    "approvals.commitment_fulfil": _("Commitment fulfilled"),
    "approvals.commitment_breach": _("Commitment breached"),
    "approvals.commitment_scan_view": _("Signed commitment opened"),
    "approvals.feedback": _("Feedback on a credit check recorded"),
    "approvals.licence_correct": _("Licence decision corrected"),
    "approvals.licence_revoke": _("Licence decision revoked"),
    # appeals
    "appeals.account_register": _("Enterprise account registered"),
    "appeals.account_decide": _("Enterprise account verification decided"),
    "appeals.account_open": _("Enterprise account opened"),
    "appeals.account_oidc_open": _(
        "Enterprise account opened through the unified identity service"),
    "appeals.oidc_sign_in": _("Signed in through the unified identity service"),
    "appeals.oidc_refused": _("Sign-in through the unified identity service refused"),
    "appeals.objection_file": _("Objection filed by an enterprise"),
    "appeals.objection_answer": _("Objection answered"),
    "appeals.repair_apply": _("Credit repair applied for by an enterprise"),
    "appeals.commitment_sign": _("Credit commitment signed"),
    # portal
    "portal.credit_report_issued": _("Credit report issued"),
    "portal.credit_check_issued": _("Credit check certificate issued"),
    "portal.black_notice_issued": _("Verification link issued for a notice of intended listing"),
    "portal.black_decision_issued": _("Verification link issued for a black-list announcement"),
    "portal.red_decision_issued": _("Verification link issued for a red-list announcement"),
    "portal.sanction_notice_issued": _(
        "Verification link issued for a notice of intended sanction"),
    "portal.sanction_decision_issued": _("Verification link issued for a sanction decision"),
    "portal.credit_report_superseded": _("Credit report superseded"),
    "portal.document_revoked": _("Verifiable document revoked"),
    # exchange
    "exchange.preview": _("Import previewed"),
    "exchange.import_start": _("Import started"),
    "exchange.import": _("Import finished"),
    "exchange.classify_request": _("Category check requested for an imported subject"),
    "exchange.classified": _("Imported subject's category checked"),
    "exchange.revocation_request": _("Revocation of a credit record requested by a feed"),
    "exchange.revocation_decided": _("Revocation requested by a feed decided"),
    "exchange.licence_revoke": _("Licence fact revoked by a feed"),
    "exchange.export_prepare": _("Export batch prepared"),
    "exchange.export_sent": _("Export batch sent"),
    "exchange.export_acknowledged": _("Export batch acknowledged"),
    "exchange.export_rejected": _("Export batch rejected"),
    # monitoring
    "monitoring.snapshot": _("Statistics snapshot taken"),
    "monitoring.report_generate": _("Statistics report generated"),
}

#: catalogue edits in the Django admin (`audit.admin.AuditedModelAdmin`): admin.<model>.<verb>
ADMIN_VERBS: dict[str, Any] = {
    "create": _("Created in the admin: %(model)s"),
    "update": _("Changed in the admin: %(model)s"),
}


def _model_name(model_name: str) -> str | None:
    for model in apps.get_models():
        if model._meta.model_name == model_name:
            return str(model._meta.verbose_name)
    return None


def action_label(code: str) -> str:
    """The words for an audit action code in the active language; never the code itself."""
    label = ACTION_LABELS.get(code)
    if label is not None:
        return str(label)
    parts = code.split(".")
    if len(parts) == 3 and parts[0] == "admin" and parts[2] in ADMIN_VERBS:
        model = _model_name(parts[1])
        if model is not None:
            return str(ADMIN_VERBS[parts[2]]) % {"model": model}
    return pgettext("audit action", "Other action")


def is_labelled(code: str) -> bool:
    """Whether `code` has its own words (not the "other action" fallback)."""
    return action_label(code) != pgettext("audit action", "Other action")


def target_label(target_type: str) -> str:
    """The object type of an event ("records.creditrecord") as the model's own name."""
    try:
        return str(apps.get_model(target_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return gettext("Other object")


def action_choices() -> list[tuple[str, str]]:
    """(code, label) of every listed action, by label: the audit page's filter."""
    return sorted(((code, str(label)) for code, label in ACTION_LABELS.items()),
                  key=lambda pair: pair[1])
