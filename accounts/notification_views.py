"""The bell's list page: one's own notifications, and marking them read (POST only)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import notifications
from accounts.decorators import staff_required
from accounts.models import Notification


@staff_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications.for_user(user=request.user), 50).get_page(
        request.GET.get("page"))
    return render(request, "accounts/notifications.html", {
        "page": page, "unread": notifications.unread_count(user=request.user)})


@staff_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read, then open what it points to (a local path only: the stored
    URL is the platform's own, and a redirect elsewhere is refused all the same)."""
    notifications.mark_read(user=request.user, pk=pk)
    note = Notification.objects.filter(user=request.user, pk=pk).only("url").first()
    target = note.url if note and note.url else ""
    if request.POST.get("open") and target and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("notifications")


@staff_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notifications.mark_read(user=request.user)
    return redirect("notifications")
