"""A hook through which an app low in the flow has a document it issues made verifiable.

The notices and decisions of the lists (告知书, 公示公告, 决定书) must carry a QR code and a
verification link with an unguessable token, but the tokens and the public verification page
belong to the portal, which sits above the lists in the flow (`.importlinter`): lists may not
import it. So the portal registers here, at start-up (`portal.apps`), a function that issues
the token of a stored document and returns its public path; the lists ask `verification_url`
while rendering a notice. Without a registered issuer (an installation without the portal) a
notice is printed without a link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import models

#: (the stored document, who issued it) -> the public path of its verification page
Issuer = Callable[[models.Model, Any], str]

_issuers: dict[str, Issuer] = {}


def register_issuer(model: type[models.Model], issuer: Issuer) -> None:
    """Called by the app that owns public verification: how documents of `model` get their
    token and link."""
    _issuers[model._meta.label_lower] = issuer


def verification_url(document: models.Model, *, actor: Any) -> str:
    """Issue `document`'s verification token (in the caller's transaction) and return the
    absolute address to print and QR-code on it (`SITE_URL` + path), or "" when no app issues
    tokens for documents of its kind."""
    issuer = _issuers.get(document._meta.label_lower)
    if issuer is None:
        return ""
    return f"{settings.SITE_URL.rstrip('/')}{issuer(document, actor)}"
