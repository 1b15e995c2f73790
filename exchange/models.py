"""API tokens for departments and external systems (stored hashed, scoped, revocable)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Department


class Scope(models.TextChoices):
    SUBJECTS_READ = "subjects:read", _("Read subjects")
    SUBJECTS_WRITE = "subjects:write", _("Create and update subjects")
    RECORDS_READ = "records:read", _("Read credit records")
    RECORDS_WRITE = "records:write", _("Submit credit records")
    PERSONAL_DATA = "personal:read", _("See unmasked ID numbers")
    LISTS_READ_INTERNAL = "lists:read-internal", _("Read lists in progress (stage, next deadline)")
    CHECKS_RUN = "checks:run", _("Run credit checks")
    MATTERS_READ = "matters:read", _("Read the matters catalogue")


class ApiToken(models.Model):
    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="tokens"
    )
    # Every token acts as its own service account, so records it submits carry an accountable
    # actor through the same services, permission checks and four-eyes rule as a person.
    user = models.OneToOneField(
        "accounts.User", on_delete=models.PROTECT, related_name="api_token"
    )
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


from exchange.feed_models import (  # noqa: E402,F401  the exchange's file models
    ClassificationRequest,
    ExportBatch,
    ExportRow,
    FeedMapping,
    ImportBatch,
    ImportedRow,
)
