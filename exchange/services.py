"""The audited reads the API makes on a token's behalf. Tokens themselves (issue, revoke) are
`accounts.api_tokens`."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import ApiToken, Scope
from audit.services import record_event
from common.errors import PermissionDeniedError
from subjects.masking import masked_fields
from subjects.models import Subject


@transaction.atomic
def api_reveal_personal_data(*, token: ApiToken, subject: Subject, purpose: str = "") -> bool:
    """Whether the subject's personal fields (ID number, address, phone) go out in full: only
    to a token granted `personal:read`, audited per read (《个人信息保护法》 第五十一条).

    `subjects.services.subject_reveal_personal_data` asks the actor's *role*; a token's service
    account is a clerk (so that its records need a reviewer), and the explicit scope an
    administrator granted is the permission here. The event uses the same action name, so one
    audit query finds every unmasked view whichever door it came through.
    """
    fields = masked_fields(subject)
    if not fields:
        return True  # nothing personal to hide (an enterprise without a phone)
    if Scope.PERSONAL_DATA not in token.scopes:
        raise PermissionDeniedError("missing_scope",
                                    _("This token may not see full personal data."))
    record_event(actor=token.user, action="subject.unmask", target=subject,
                 after={"purpose": purpose, "fields": fields, "via": "api",
                        "token": token.prefix})
    return True


def api_reveal_subject_code(*, token: ApiToken, subject: Subject, purpose: str = "") -> str:
    """An individual's full ID number (and with it the other personal fields), audited."""
    if subject.kind != Subject.Kind.INDIVIDUAL:
        return subject.code
    api_reveal_personal_data(token=token, subject=subject, purpose=purpose)
    return subject.code
