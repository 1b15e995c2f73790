"""Departments (the lead department and the cooperating 股、所、室) and staff accounts."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A unit that enters, reviews or uses credit information.

    The lead department (牵头部门) reviews what cooperating units (股、所、室) submit; external
    systems (the public credit platform, other bureaus) are departments too, so that every
    record and API token has an accountable source.
    """

    class Kind(models.TextChoices):
        LEAD = "lead", _("Lead department")
        COOPERATING = "cooperating", _("Cooperating unit")
        EXTERNAL = "external", _("External system or agency")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(kind="lead"), name="one_lead_department"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """The six staff roles and the enterprise self-service role; what each may do is decided in
    `accounts.permissions` (an enterprise account is never a staff member)."""

    ADMIN = "admin", _("Administrator")
    LEAD_REVIEWER = "lead_reviewer", _("Lead reviewer")
    CLERK = "clerk", _("Clerk")
    WINDOW_OFFICER = "window_officer", _("Window officer")
    LEADER = "leader", _("Leader (read only)")
    AUDITOR = "auditor", _("Auditor")
    ENTERPRISE = "enterprise", _("Enterprise (self-service, no staff page)")


class User(AbstractUser):
    """A staff account; belongs to exactly one department and holds one role."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="users",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.CLERK)
    must_change_password = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("staff account")
        verbose_name_plural = _("staff accounts")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


# --- API tokens: the credential other departments' systems use (moved here from exchange,
# which is to the right of every app that serves an API; the table was renamed with it) ---
class Scope(models.TextChoices):
    SUBJECTS_READ = "subjects:read", _("Read subjects")
    SUBJECTS_WRITE = "subjects:write", _("Create and update subjects")
    RECORDS_READ = "records:read", _("Read credit records")
    RECORDS_WRITE = "records:write", _("Submit credit records")
    PERSONAL_DATA = "personal:read", _("See unmasked ID numbers")
    LISTS_READ_INTERNAL = "lists:read-internal", _("Read lists in progress (stage, next deadline)")
    CHECKS_RUN = "checks:run", _("Run credit checks")
    MATTERS_READ = "matters:read", _("Read the matters catalogue")
    STATISTICS_READ = "statistics:read", _("Read statistics (monitoring overview)")


class ApiToken(models.Model):
    """An API token for a department or external system (stored hashed, scoped, revocable)."""

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
