"""What the county decides about its public site, read from settings, else the environment.

Kept here (not in config/settings.py) so the portal's knobs live with the portal; each can be
set in settings or as an environment variable of the same name.
"""

from __future__ import annotations

import os

from django.conf import settings


def _value(name: str, default: str) -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return str(value)


def _flag(name: str, default: bool) -> bool:
    return _value(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def rate_limit() -> str:
    """Requests per address on search and verification pages (django-ratelimit syntax); the
    one limit of `common.throttle`, which the enterprises' sign-in and registration share."""
    from common.throttle import rate_limit

    return rate_limit()


def publish_grades() -> bool:
    """Whether the county publishes grades on the public site (some keep the risk class
    internal: 分级分类 results may be "不公开"); the credit report always carries the grade."""
    return _flag("PORTAL_PUBLISH_GRADES", True)


def publish_key_supervision() -> bool:
    """Whether the key-supervision list (重点监管对象) is public in this county."""
    return _flag("PORTAL_PUBLISH_KEY_SUPERVISION", False)


def report_valid_days() -> int:
    """How long a credit report stands as valid on its verification page."""
    return int(_value("PORTAL_REPORT_VALID_DAYS", "30"))


def issuing_authority() -> str:
    """The authority named on credit reports and certificates."""
    return _value("PORTAL_ISSUING_AUTHORITY", "县住房和城乡建设局")


def page_size() -> int:
    return int(_value("PORTAL_PAGE_SIZE", "20"))
