"""Staff accounts without the Django admin, one's own password, and the second factor.

Views stay thin: each calls one service in `accounts.services`, which checks the role again and
writes its audit event in the same transaction.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import permissions, services
from accounts.forms import StaffCreateForm, StaffForm, TokenForm
from accounts.middleware import needs_second_factor
from accounts.models import Role, User
from common.errors import ServiceError
from common.pdf import qr_svg

#: Roles offered a second factor (TOTP): those who can change what others rely on.
SECOND_FACTOR_ROLES = {Role.ADMIN, Role.LEAD_REVIEWER}


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's password; clears `must_change_password` and audits the change.

    The account gate lets one-time-password holders through to this page only. The audit event
    records that the password changed, never the password.
    """
    user = request.user
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.password_change(user=user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password has been changed."))
        # an enterprise account's home is /my/ (it may open no workbench page)
        return redirect("appeals:my" if user.role == "enterprise" else "home")
    status = 400 if request.method == "POST" else 200
    return render(request, "common/password_change.html",
                  {"form": form, "forced": user.must_change_password}, status=status)


def _admin_only(request: HttpRequest) -> None:
    if not permissions.can_manage_accounts(request.user):
        raise PermissionDenied(_("You are not allowed to do this."))


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    """Every staff account with its department, role, state and second factor."""
    _admin_only(request)
    accounts = (User.objects.select_related("department").order_by("department__code", "username")
                .prefetch_related("totpdevice_set"))
    query = request.GET.get("q", "").strip()
    if query:
        accounts = accounts.filter(username__icontains=query) | accounts.filter(
            first_name__icontains=query)
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/staff_list.html", {"page": page, "q": query})


@login_required
def permission_matrix(request: HttpRequest) -> HttpResponse:
    """Role × action as the role groups hold it, with the rule each action adds beyond the role
    (both read from the code's tables and rules by `accounts.permissions.matrix`)."""
    _admin_only(request)
    return render(request, "accounts/permission_matrix.html",
                  {"roles": Role.choices, "rows": permissions.matrix()})


@login_required
def staff_create(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = StaffCreateForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.user_create(
                actor=request.user, username=data["username"], role=data["role"],
                department=data["department"], full_name=data["full_name"])
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            status = exc.status
        else:
            return render(request, "accounts/one_time_password.html",
                          {"account": user, "password": password, "created": True})
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/staff_form.html", {"form": form, "creating": True},
                  status=status)


@login_required
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    account = get_object_or_404(User.objects.select_related("department"), pk=pk)
    initial = {"full_name": account.first_name, "department": account.department,
               "role": account.role, "is_active": account.is_active}
    form = StaffForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_update(actor=request.user, user=account, role=data["role"],
                                 department=data["department"], full_name=data["full_name"],
                                 is_active=data["is_active"])
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
            status = exc.status
        else:
            messages.success(request, _("The account has been saved."))
            return redirect("staff_list")
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/staff_form.html",
                  {"form": form, "account": account,
                   "has_second_factor": account.totpdevice_set.filter(confirmed=True).exists()},
                  status=status)


@require_POST
@login_required
def staff_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a one-time password, shown once to the administrator to hand over."""
    _admin_only(request)
    account = get_object_or_404(User, pk=pk)
    password = services.password_reset(actor=request.user, user=account)
    return render(request, "accounts/one_time_password.html",
                  {"account": account, "password": password, "created": False})


@require_POST
@login_required
def staff_remove_second_factor(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    account = get_object_or_404(User, pk=pk)
    services.second_factor_remove(actor=request.user, user=account)
    messages.success(request, _("The second factor has been removed."))
    return redirect("staff_edit", pk=account.pk)


@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """Set up (or remove) one's own authenticator app: a QR code, then a code to confirm."""
    user = request.user
    if user.role not in SECOND_FACTOR_ROLES:
        raise PermissionDenied(_("A second factor is offered to administrators and reviewers."))
    confirmed = user.totpdevice_set.filter(confirmed=True).first()
    if request.method == "POST" and "remove" in request.POST and confirmed:
        services.second_factor_remove(actor=user, user=user)
        messages.success(request, _("The second factor has been removed."))
        return redirect("second_factor")
    device = None
    if confirmed is None:
        device = user.totpdevice_set.filter(confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name=_("Authenticator app"), confirmed=False)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and device is not None:
        if form.is_valid() and services.second_factor_confirm(
                user=user, device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            messages.success(request, _("The second factor is on: it is asked at every sign-in."))
            return redirect("second_factor")
        if form.is_valid():
            form.add_error("token", _("The code is wrong or has expired; try the next one."))
        status = 400
    context = {"form": form, "confirmed": confirmed, "device": device,
               "qr": qr_svg(device.config_url, scale=4) if device else None}
    return render(request, "accounts/second_factor.html", context, status=status)


@login_required
def second_factor_verify(request: HttpRequest) -> HttpResponse:
    """The code asked after the password when an account has a second factor."""
    target = request.GET.get("next") or request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    if not needs_second_factor(request):
        return redirect(target)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip()
        for device in request.user.totpdevice_set.filter(confirmed=True):
            if device.verify_token(token):
                otp_login(request, device)
                return redirect(target)
        form.add_error("token", _("The code is wrong or has expired; try the next one."))
    if request.method == "POST":
        status = 400
    return render(request, "accounts/second_factor_verify.html",
                  {"form": form, "next": target}, status=status)
