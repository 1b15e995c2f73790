"""The audited reads the API makes on a token's behalf. Tokens themselves (issue, revoke) are
`accounts.api_tokens`."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import ApiToken, Scope
from audit.services import record_event
from common.errors import PermissionDeniedError
from subjects.models import Subject


@transaction.atomic
def api_reveal_subject_code(*, token: ApiToken, subject: Subject, purpose: str = "") -> str:
    """An individual's full ID number for a token granted `personal:read`, audited per read.

    `subjects.services.subject_reveal_code` asks the actor's *role*; a token's service account is
    a clerk (so that its records need a reviewer), and the explicit scope an administrator
    granted is the permission here. The event uses the same action name, so one audit query
    finds every unmasked view whichever door it came through.
    """
    if subject.kind != Subject.Kind.INDIVIDUAL:
        return subject.code
    if Scope.PERSONAL_DATA not in token.scopes:
        raise PermissionDeniedError("missing_scope",
                                    _("This token may not see full ID numbers."))
    record_event(actor=token.user, action="subject.unmask", target=subject,
                 after={"purpose": purpose, "via": "api", "token": token.prefix})
    return subject.code
