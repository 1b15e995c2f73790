"""Market subjects (信用主体): enterprises by USCC, practitioners by resident ID number."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from subjects.identifiers import mask_id_number


class Category(models.TextChoices):
    DEVELOPER = "developer", _("Real-estate developer")
    PROPERTY_SERVICE = "property_service", _("Property-service company")
    BROKERAGE = "brokerage", _("Brokerage agency")
    RENTAL = "rental", _("Housing rental company")
    BUILDER = "builder", _("Construction company")
    PRACTITIONER = "practitioner", _("Practitioner")


class Subject(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        INDIVIDUAL = "individual", _("Individual")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CANCELLED = "cancelled", _("Cancelled")
        REVOKED = "revoked", _("Licence revoked")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    # USCC for enterprises, resident ID number for individuals; upper-case, validated by
    # subjects.identifiers before it reaches the database. Shown masked for individuals unless
    # the viewer's role may unmask (every unmasked view is audited).
    code = models.CharField(_("code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    qualification = models.CharField(_("qualification"), max_length=100, blank=True)
    established_on = models.DateField(_("established / registered on"), null=True, blank=True)
    employer = models.ForeignKey(
        "self", verbose_name=_("employer"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="practitioners",
    )
    # GB 11714 check of the embedded organisation code failed: accepted, but a reviewer must
    # confirm the code before the subject is treated as verified.
    code_warning = models.CharField(_("code warning"), max_length=300, blank=True)
    code_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("credit subject")
        verbose_name_plural = _("credit subjects")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["enterprise", "individual"]), name="subject_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    kind="individual", category="practitioner"
                ) | models.Q(kind="enterprise") & ~models.Q(category="practitioner"),
                name="subject_category_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.display_code})"

    @property
    def display_code(self) -> str:
        """The code as anyone may see it: ID numbers masked."""
        return mask_id_number(self.code) if self.kind == self.Kind.INDIVIDUAL else self.code

    @property
    def needs_code_confirmation(self) -> bool:
        return bool(self.code_warning) and self.code_confirmed_by_id is None


class SubjectName(models.Model):
    """Every name a subject has carried, the current one included, so search finds former names."""

    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("name"), max_length=200)
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("name history")
        verbose_name_plural = _("name history")
        ordering = ["subject", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject"], condition=models.Q(valid_until__isnull=True),
                name="one_current_name_per_subject",
            )
        ]
        indexes = [models.Index(fields=["name"], name="subjectname_name_idx")]

    def __str__(self) -> str:
        return self.name
