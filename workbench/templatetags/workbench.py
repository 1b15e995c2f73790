"""Template helpers shared by every workbench page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import template
from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts import permissions
from common.labels import choice_label
from subjects.identifiers import mask_id_number

register = template.Library()


@register.simple_tag
def asset(path: str) -> str:
    """`{% static %}` that degrades to the plain URL when the manifest lacks the file.

    With the manifest storage a missing `collectstatic` (tests, a fresh checkout) would turn
    every page into a 500; an unstyled page is the better failure for a back office.
    """
    try:
        return static(path)
    except ValueError:
        return f"{settings.STATIC_URL.rstrip('/')}/{path}"


@register.filter
def field_error_id(field: Any) -> str:
    """The id of a field's error element, for `aria-describedby`."""
    return f"{field.auto_id}-error" if getattr(field, "auto_id", "") else ""


@register.simple_tag
def can(user: Any, what: str, obj: Any = None) -> bool:
    """Ask `accounts.permissions` from a template: `{% can user "review_records" as ok %}`.

    Only hides or shows controls; every view asks the same function again before acting.
    """
    checks = {
        "edit_subjects": lambda: permissions.can_edit_subjects(user),
        "review_records": lambda: permissions.can_review_records(user),
        "unmask": lambda: permissions.can_unmask_personal_data(user),
        "read_audit": lambda: permissions.can_read_audit(user),
        "manage_accounts": lambda: permissions.can_manage_accounts(user),
        "submit_records": lambda: permissions.can_submit_records(user, obj),
    }
    return bool(checks[what]())


@register.simple_tag
def state_badge(obj: Any) -> SafeString:
    """An object's state as a badge: `<span class="state state-…" data-state="…">label</span>`.

    A tag, not an included template: the badge sits in every row of the review queue, the
    records list, the list pages and the subject page, and an include renders a template per
    row (10 CPU-ms for the 100 badges of a subject page, issue 14). The label is
    `get_state_display()`'s, looked up once per value and language (`common.labels`).
    """
    return format_html('<span class="state state-{}" data-state="{}">{}</span>',
                       obj.state, obj.state, choice_label(obj, "state"))


@register.filter
def label(obj: Any, field_name: str) -> str:
    """`{{ obj|label:"polarity" }}`: what `{{ obj.get_polarity_display }}` shows, looked up once
    per value and language (`common.labels`), for choice labels in table rows."""
    if getattr(obj, field_name) is None:  # no choice: what the template showed before
        return getattr(obj, f"get_{field_name}_display")()
    return choice_label(obj, field_name)


#: (view name, script prefix, URL configuration) → the URL's text before and after the id
_url_shapes: dict[tuple[Any, ...], tuple[str, str]] = {}
_ID_MARK = 918273645546372819


@register.simple_tag
def url_pk(viewname: str, pk: Any) -> str:
    """`{% url viewname pk %}` for a view whose one argument is an integer id, for the links in
    table rows: the URL is reversed once per view (and script prefix and URL configuration)
    with a marker id, and each row's id is put in its place. `reverse` costs ~40 µs; the
    subject page draws 100 such links, the list pages 50 (issue 14)."""
    if not isinstance(pk, int) or isinstance(pk, bool) or pk < 0:
        return reverse(viewname, args=[pk])
    key = (viewname, get_script_prefix(), get_urlconf())
    shape = _url_shapes.get(key)
    if shape is None:
        head, mark, tail = reverse(viewname, args=[_ID_MARK]).partition(str(_ID_MARK))
        if not mark:  # the id is not written as its digits: reverse each time
            return reverse(viewname, args=[pk])
        shape = _url_shapes[key] = (head, tail)
    return f"{shape[0]}{pk}{shape[1]}"


@register.filter(expects_localtime=True)
def ymd(value: Any) -> str:
    """`{{ day|date:"Y-m-d" }}` for a date (a datetime still goes through the date filter, which
    turns it to local time first): `isoformat`, without the date filter's format parsing,
    150 times on a subject page (issue 14)."""
    if type(value) is dt.date:
        return value.isoformat()
    return date_filter(value, "Y-m-d")


@register.filter
def minutes(value: Any) -> int:
    """Whole minutes of a timedelta (rounded up), for the lock-out notice."""
    seconds = value.total_seconds() if hasattr(value, "total_seconds") else float(value or 0)
    return int(-(-seconds // 60))


_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")
_PHONE_KEYS = {"contact_phone", "phone", "mobile"}


@register.filter
def mask_personal(value: Any, key: str = "") -> Any:
    """Mask ID numbers and phone numbers inside audit snapshots before display.

    The audit log keeps them in full (it must prove what was stored); listing the log is not
    an audited unmasking, so the list shows them masked like everywhere else.
    """
    if isinstance(value, dict):
        return {k: mask_personal(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_personal(v, key) for v in value]
    if isinstance(value, str):
        if _ID_NUMBER.match(value):
            return mask_id_number(value)
        if key in _PHONE_KEYS and len(value) > 4:
            return "*" * (len(value) - 4) + value[-4:]
    return value


@register.simple_tag(takes_context=True)
def waiting(context: Any) -> dict[str, int]:
    """What waits for the signed-in person, for the top bar's badges: records to review, list
    steps due within three working days (or overdue) for those who decide them, unread
    notifications. COUNT queries only, computed once per request."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not permissions.is_staff_member(user):
        return {}
    cached = getattr(request, "_hc_waiting", None)
    if cached is None:
        from accounts.notifications import unread_count
        from common import clock
        from records.selectors import pending_reviews
        from workbench.notify import due_step_count

        may_review = permissions.can_review_records(user)
        cached = {
            "reviews": pending_reviews(user=user).count() if may_review else 0,
            "due_steps": due_step_count(as_of=clock.today()) if may_review else 0,
            "notifications": unread_count(user=user),
        }
        request._hc_waiting = cached
    return cached
