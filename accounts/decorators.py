"""The access gate every workbench page passes: signed in, a staff role, no one-time password.

It lives in `accounts` (which knows roles) so that every app along the flow, all of them to the
right of `accounts`, can wear it without importing the workbench at the top.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from accounts import permissions

View = Callable[..., HttpResponse]

PASSWORD_CHANGE_URL_NAME = "password_change"


def staff_required(view: View) -> View:
    """Sign-in, active staff role and a changed one-time password, before any workbench page.

    The password check lives here rather than in a middleware so that the one decorator every
    page already wears enforces it; the password-change page itself opts out.
    """

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not permissions.is_staff_member(request.user):
            raise PermissionDenied(_("Your account has no staff role."))
        if getattr(request.user, "must_change_password", False):
            return redirect(PASSWORD_CHANGE_URL_NAME)
        return view(request, *args, **kwargs)

    return wrapped
