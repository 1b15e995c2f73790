"""Enterprises' sign-in through the province's unified identity service (OpenID Connect), with
mozilla-django-oidc. Off unless `HC_OIDC_ENABLED`; configured in `config/settings/base.py`.

The library runs the authorisation-code flow (state, nonce, PKCE), exchanges the code at the
provider's token endpoint and checks the ID token's signature; this backend adds what the
library leaves to us: the ID token's issuer and audience, and the mapping of the verified
unified social credit code claim (`HC_OIDC_CODE_CLAIM`) to one enterprise account through
`appeals.services.oidc_account`, which never returns a staff account. A refusal is audited and
shown to the enterprise in Chinese on the sign-in page.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)
from requests import RequestException

from accounts.models import User
from appeals import services
from common.errors import ValidationFailed

LOGGER = logging.getLogger(__name__)


def enabled() -> bool:
    """Whether sign-in through the identity service is switched on (`HC_OIDC_ENABLED`)."""
    return bool(getattr(settings, "HC_OIDC_ENABLED", False))


def _refuse(request: HttpRequest, reason: str, **facts: str) -> None:
    """Audit the refusal and keep its Chinese message for the sign-in page."""
    request._oidc_refusal = services.oidc_refusal(reason=reason, **facts)  # type: ignore[attr-defined]


class EnterpriseOIDCBackend(OIDCAuthenticationBackend):
    """The library's backend, mapping the provider's verified code claim to an enterprise."""

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        # Only the callback of our own flow may authenticate this way: a `code` and `state`
        # typed into any other sign-in page's address are not a sign-in.
        if not enabled() or request is None \
                or request.path != reverse(settings.OIDC_AUTHENTICATION_CALLBACK_URL):
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The library checks signature and nonce; the token must also come from the configured
        issuer and be meant for this client (OpenID Connect Core 1.0 §3.1.3.7)."""
        payload = super().verify_token(token, **kwargs)
        issuer = getattr(settings, "HC_OIDC_ISSUER", "")
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token from another issuer")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if "nonce" in kwargs and self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token meant for another client")
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]
                     ) -> dict[str, Any]:
        """The ID token's claims, completed by the user-info endpoint where one is configured
        (whose `sub` must be the ID token's, OpenID Connect Core 1.0 §5.3.2)."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            info = super().get_userinfo(access_token, id_token, payload)
            if info.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("user info of another subject")
            claims.update(info)
        return claims

    def _code(self, claims: dict[str, Any]) -> str:
        return str(claims.get(settings.HC_OIDC_CODE_CLAIM) or "").strip().upper()

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        if claims.get("sub") and self._code(claims):
            return True
        _refuse(self.request, "no_code", oidc_sub=str(claims.get("sub") or ""))
        return False

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        """Nobody is found by a claim: `create_user` finds or opens the account bound to the
        identity, so that every sign-in goes through the one service."""
        return User.objects.none()

    def create_user(self, claims: dict[str, Any]) -> User:
        code, sub = self._code(claims), str(claims["sub"])
        try:
            account = services.oidc_account(oidc_sub=sub, code=code,
                                            contact_name=str(claims.get("name") or ""))
        except ValidationFailed as exc:
            _refuse(self.request, exc.code, code=code, oidc_sub=sub)
            raise SuspiciousOperation(f"enterprise sign-in refused: {exc.code}") from exc
        return account.user


class OIDCStartView(OIDCAuthenticationRequestView):
    """Sends the enterprise to the identity service (404 while the sign-in is switched off)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404
        return super().get(request)


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """Where the identity service sends the enterprise back: signed in to /my/, or back on the
    sign-in page with the reason in Chinese."""

    @property
    def failure_url(self) -> str:
        return reverse("appeals:login")

    @property
    def success_url(self) -> str:
        return self.request.session.get("oidc_login_next") or reverse("appeals:my")

    def login_failure(self) -> HttpResponse:
        message = getattr(self.request, "_oidc_refusal", None) or _(
            "Sign-in through the identity service failed. Try again, or sign in with a "
            "password.")
        messages.error(self.request, message)
        return super().login_failure()

    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404
        try:
            return super().get(request)
        except (SuspiciousOperation, RequestException) as exc:
            # A forged or replayed callback, a token that fails its checks, a provider that does
            # not answer: no sign-in, and no detail of why for whoever sent the request.
            LOGGER.warning("OpenID Connect sign-in failed: %s", exc)
            return self.login_failure()
