"""Documents the platform issues that anyone may verify, each behind an unguessable token.

A verification link never carries a sequential number (a certificate number, a list entry's id):
numbers let anyone enumerate who applied for what. The token lives here rather than on the
documents' own models, so approvals and lists need not know about the public site.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from subjects.models import Subject


class DocumentKind(models.TextChoices):
    """What was issued. The notices and decisions of the lists (`lists.NoticeDocument`) keep
    the notice's primary key as `object_id`."""

    CREDIT_REPORT = "credit_report", _("Credit report")
    CREDIT_CHECK = "credit_check", _("Credit check certificate")
    BLACK_NOTICE = "black_notice", _("Notice of intended black-listing")
    BLACK_DECISION = "black_decision", _("Black-list publicity announcement")
    RED_DECISION = "red_decision", _("Red-list publicity announcement")
    SANCTION_NOTICE = "sanction_notice", _("Notice of intended sanction")
    SANCTION_DECISION = "sanction_decision", _("Sanction decision")


#: The kind of the verifiable document of each kind of list notice (`NoticeDocument.Kind`).
NOTICE_KINDS = {
    "intent": DocumentKind.BLACK_NOTICE,
    "announcement": DocumentKind.BLACK_DECISION,
    "red_announcement": DocumentKind.RED_DECISION,
    "sanction_notice": DocumentKind.SANCTION_NOTICE,
    "sanction_decision": DocumentKind.SANCTION_DECISION,
}


class VerifiableDocument(models.Model):
    """One issued document: what it is, whom it is about, and whether it still stands.

    `content` is the document's public part as issued (a snapshot), so the verification page
    shows what was certified on that day even after the archive changed. Validity is computed
    on each view from `revoked_at`, `superseded_by` and `expires_on`, and for a list notice from
    the state of its entry today (see `portal.reports.document_status`).
    """

    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    # The issued object's primary key in its own app (a CreditCheck, a list notice); a report
    # has none of its own and keeps the subject's.
    object_id = models.PositiveBigIntegerField(_("object"))
    subject = models.ForeignKey(Subject, verbose_name=_("subject"), on_delete=models.PROTECT,
                                related_name="+")
    token = models.CharField(_("verification token"), max_length=64, unique=True)
    content = models.JSONField(_("public content as issued"), default=dict)
    issued_at = models.DateTimeField(_("issued at"))
    as_of = models.DateField(_("as of"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+", verbose_name=_("superseded by"))
    revoked_at = models.DateTimeField(pgettext_lazy("document", "revoked at"), null=True,
                                      blank=True)
    revoke_reason = models.TextField(_("why it was revoked"), blank=True)

    class Meta:
        verbose_name = _("verifiable document")
        verbose_name_plural = _("verifiable documents")
        ordering = ["-issued_at", "-id"]
        constraints = [
            # A certificate or a decision has one token; reports are issued many times.
            models.UniqueConstraint(
                fields=["kind", "object_id"], condition=~models.Q(kind="credit_report"),
                name="portal_one_token_per_document"),
        ]
        indexes = [models.Index(fields=["subject", "kind"], name="portal_doc_subject_kind_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.issued_at:%Y-%m-%d}"
