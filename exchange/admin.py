"""API tokens in the Django admin: to see which exist, when they were last used, and revoke them.

Tokens are issued with `manage.py create_api_token` (the plaintext is shown once, in the
terminal); the admin cannot add or edit them, so no hash or scope changes bypass the service.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.errors import ServiceError
from exchange.models import ApiToken
from exchange.services import token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "department", "scopes", "created_at", "last_used_at",
                    "revoked_at")
    list_filter = ("department", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "prefix")
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False  # revoked tokens stay, so the audit log's references stay meaningful

    @admin.action(description=gettext_lazy("Revoke selected tokens"), permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        done = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                token_revoke(actor=request.user, token=token)
                done += 1
            except ServiceError as exc:
                self.message_user(request, str(exc.message), messages.ERROR)
                return
        self.message_user(request, _("%(n)d token(s) revoked.") % {"n": done})
from exchange import feed_admin  # noqa: E402,F401  the exchange's file tables
