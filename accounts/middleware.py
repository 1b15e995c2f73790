"""Gates every request of a signed-in person passes, whatever app serves the page.

A middleware rather than a view decorator, so that the Django admin, the API docs and any page
added later are closed too: a one-time password must be replaced, and an account with a second
factor must present it, before anything else is served.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

#: Paths that stay reachable while a gate is closed: the gates' own pages, signing out,
#: switching language and static files.
_OPEN_URL_NAMES = ("password_change", "logout", "otp_verify", "set_language")


def _open_paths() -> tuple[str, ...]:
    return (*(reverse(name) for name in _OPEN_URL_NAMES), settings.STATIC_URL)


class AccountGateMiddleware:
    """Send a signed-in person with a one-time password to change it, and one whose account has
    a confirmed second factor to present it, before any other page (the admin included)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(
                _open_paths()):
            if needs_second_factor(request):
                return redirect(f"{reverse('otp_verify')}?next={request.path}")
            if getattr(user, "must_change_password", False):
                return redirect("password_change")
        return self.get_response(request)


def needs_second_factor(request: HttpRequest) -> bool:
    """A person with a confirmed TOTP device who has not yet presented a code this session."""
    from django_otp import user_has_device

    user = request.user
    return user_has_device(user, confirmed=True) and not user.is_verified()
