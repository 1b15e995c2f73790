"""The staff member's own password change, also where one-time passwords end."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.services import password_change as password_change_service


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's password; clears `must_change_password` and audits the change.

    Not behind `staff_required`: that gate sends one-time-password holders here, so this page
    must stay reachable for them. The audit event records that, never the password.
    """
    user = request.user
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = password_change_service(user=user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        return redirect("home")
    status = 400 if request.method == "POST" else 200
    return render(request, "common/password_change.html",
                  {"form": form, "forced": user.must_change_password}, status=status)
