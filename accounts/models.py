"""Departments (the lead department and the cooperating 股、所、室) and staff accounts."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.errors import ValidationFailed
from common.identifiers import validate_uscc


def validate_credit_code(value: str) -> None:
    """A department's credit code is a full GB 32100-2015 code (the 双公示 sets carry the
    deciding authority's and the data source's 统一社会信用代码); empty means "not set yet"."""
    if not value:
        return
    try:
        checked = validate_uscc(value)
    except ValidationFailed as exc:
        raise ValidationError(str(exc.message), code=exc.code) from None
    if checked.code != value:
        raise ValidationError(_("Write the code as %(code)s (18 characters, capitals, no "
                                "spaces).") % {"code": checked.code}, code="not_normalised")


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

    class SourceKind(models.TextChoices):
        """What kind of source its information is (国办发〔2019〕35号 distinguishes public credit
        information that government departments produce from the ratings of credit service
        agencies and the self-regulation records of industry associations). Only an external
        department can be a rating agency or an association: the platform's own units are
        government departments."""

        GOVERNMENT = "government", _("Government department")
        RATING_AGENCY = "rating_agency", _("Credit rating agency")
        ASSOCIATION = "association", _("Industry association")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    source_kind = models.CharField(
        _("kind of source"), max_length=16, choices=SourceKind.choices,
        default=SourceKind.GOVERNMENT,
        help_text=_("Rating agencies and industry associations are external departments whose "
                    "records count in a grade only as far as the scoring model's [sources] "
                    "weights say (by default not at all)."),
    )
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, blank=True,
        validators=[validate_credit_code],
        help_text=_("The department's own 统一社会信用代码 (GB 32100), written into the 双公示 "
                    "export as the deciding authority's and the data source's code (CF_CFJGDM, "
                    "CF_SJLYDM, XK_XKJGDM, XK_LYDWDM)."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(kind="lead"), name="one_lead_department"
            ),
            models.CheckConstraint(
                condition=models.Q(source_kind="government") | models.Q(kind="external"),
                name="third_party_sources_are_external",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_third_party(self) -> bool:
        """A rating agency or an industry association (not a government department)."""
        return self.source_kind != self.SourceKind.GOVERNMENT


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
    CHANGES_READ = "changes:read", _("Follow the change feed (records and list decisions)")
    IMPORTS_WRITE = "imports:write", _("Import feeds and record spreadsheets")


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


class Notification(models.Model):
    """A message telling one staff member that something needs them (a step due, an objection
    waiting, a commitment about to expire, a record returned), shown under the bell and sent by
    e-mail once.

    `accounts` sits low in the flow and cannot import the apps whose events these are, so a
    notification stores only what the bell shows: its kind, title and the page to open. `key`
    names the event ("step:black:12:under_review:2026-12-07"): one row per (user, key) — the
    unique constraint is what makes a second run of the producer, or two at once, tell nobody
    twice.
    """

    class Kind(models.TextChoices):
        STEP_DUE = "step_due", _("Due-process step due")
        OBJECTION = "objection", _("Objection waiting")
        COMMITMENT_DUE = "commitment_due", _("Commitment about to expire")
        RECORD_RETURNED = "record_returned", _("Record returned")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=200)
    title = models.CharField(_("title"), max_length=300)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_event"),
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.title
