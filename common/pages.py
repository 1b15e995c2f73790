"""What every page's view uses, and that knows no domain: a 403 and a service refusal on a form.

Views stay thin: they parse a form, call one service, and turn a `ServiceError` into a form error
with the status the error carries. Permission checks are repeated in views (not only in services)
so that a refused user gets a clear 403 page before any work is done.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from common.errors import ServiceError


def deny_unless(allowed: bool) -> None:
    """Refuse with the shared 403 page; the service asks the same question again."""
    if not allowed:
        raise PermissionDenied(_("You are not allowed to do this."))


def apply_service_error(
    form: forms.BaseForm, exc: ServiceError, field_map: dict[str, str] | None = None
) -> int:
    """Put a service refusal under the field it names (or on top of the form); return its status.

    Services name fields by model attribute; `field_map` renames where a form differs.
    """
    field = (field_map or {}).get(exc.field or "", exc.field)
    form.add_error(field if field in form.fields else None, str(exc.message))
    return exc.status
