"""Notifications: telling a staff member, once, that something needs them.

The producers live at the top of the flow (`workbench.notify`), which may read every app; this
module only stores a notification, lists a person's own and marks them read. A notification is a
message about a fact the audit log already holds (the step, the objection, the rejection), so
writing or reading one is not itself audited.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import translation

from accounts.models import Notification, User
from common import clock

log = logging.getLogger(__name__)


def notify(*, user: User, kind: str, key: str, title: str, url: str = "") -> bool:
    """Tell `user` about the event named `key`, unless they have been told already.

    Returns whether a notification was created. The (user, key) unique constraint decides, so a
    second run of a producer, or two running at once, never tells anyone twice. The e-mail goes
    after the surrounding transaction commits: a rolled-back event sends nothing.
    """
    if not user.is_active:
        return False
    try:
        with transaction.atomic():
            note = Notification.objects.create(user=user, kind=kind, key=key[:200],
                                               title=title[:300], url=url, created_at=clock.now())
    except IntegrityError:
        return False
    if user.email:
        transaction.on_commit(lambda: _send_email(note_id=note.pk))
    return True


def _send_email(*, note_id: int) -> None:
    """E-mail one notification through Django's e-mail backend (SMTP when configured), in
    Chinese, the language of the platform's staff; a mail server fault is logged, not raised,
    so the job or request that produced the notification still succeeds."""
    note = Notification.objects.select_related("user").get(pk=note_id)
    link = f"{settings.SITE_URL.rstrip('/')}{note.url}" if note.url else ""
    with translation.override(settings.LANGUAGE_CODE):
        from django.utils.translation import gettext as _

        subject = _("[Housing Credit Platform] %(title)s") % {"title": note.title}
        body = "\n\n".join(filter(None, [
            note.title, link,
            _("This message was sent because the item needs you. It is also under the bell "
              "in the workbench."),
        ]))
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [note.user.email])
    except Exception:  # noqa: BLE001 — a mail outage must not undo the event
        log.exception("could not e-mail notification %s", note_id)
        return
    Notification.objects.filter(pk=note_id, emailed_at__isnull=True).update(
        emailed_at=clock.now())


def unread_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def for_user(*, user: User) -> QuerySet[Notification]:
    """A person's own notifications, unread first, newest first."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def mark_read(*, user: User, pk: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them, `pk` None) read; someone else's
    notification is never touched. Returns how many changed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if pk is not None:
        qs = qs.filter(pk=pk)
    return qs.update(read_at=clock.now())
