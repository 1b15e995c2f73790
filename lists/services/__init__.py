"""Writes on lists: one function per business action, each one transaction with its audit event.

Every step fires one transition through `lists.workflows.advance` on a row locked with
SELECT … FOR UPDATE, so two reviewers acting at once are serialised: the second one finds the
state already moved and is told so (`Conflict`). Dates come from `lists.rules`, one function per
rule. Feedback into the archive (a listing, a commendation, a sanction) is written as credit
records through `records.services`, never by touching scoring.
"""

from lists.services.black import (
    black_begin_review,
    black_decide,
    black_dismiss,
    black_list_deadlines,
    black_notify,
    black_propose,
    black_publish,
    black_record_statement,
    black_withdraw,
)
from lists.services.cases import (
    case_create,
    case_transition,
    case_update,
)
from lists.services.key import (
    key_supervision_sync,
)
from lists.services.objections import (
    objection_decide,
    objection_file,
    objection_refusal,
)
from lists.services.red import (
    red_decide,
    red_list_deadlines,
    red_nominate,
    red_nominate_by_rule,
    red_publish,
    red_release,
    red_remove,
    red_remove_for_record,
    red_review,
)
from lists.services.repair import (
    black_repair_refusal,
    repair_commitment_breach,
    repair_decide,
    repair_request,
)
from lists.services.sanctions import (
    sanction_decide,
    sanction_decision_refusal,
    sanction_notify,
    sanction_propose,
    sanction_record_statement,
    sanction_reject,
    sanction_revoke,
)

__all__ = [
    "black_begin_review",
    "black_decide",
    "black_dismiss",
    "black_list_deadlines",
    "black_notify",
    "black_propose",
    "black_publish",
    "black_record_statement",
    "black_repair_refusal",
    "black_withdraw",
    "case_create",
    "case_transition",
    "case_update",
    "key_supervision_sync",
    "objection_decide",
    "objection_file",
    "objection_refusal",
    "red_decide",
    "red_list_deadlines",
    "red_nominate",
    "red_nominate_by_rule",
    "red_publish",
    "red_release",
    "red_remove",
    "red_remove_for_record",
    "red_review",
    "repair_commitment_breach",
    "repair_decide",
    "repair_request",
    "sanction_decide",
    "sanction_decision_refusal",
    "sanction_notify",
    "sanction_propose",
    "sanction_record_statement",
    "sanction_reject",
    "sanction_revoke",
]
