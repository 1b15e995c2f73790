"""Enterprise accounts and what a subject files itself: objections (异议), credit-repair
applications (信用修复) and credit commitments (信用承诺书).

An enterprise account links one user to exactly one subject; it sees that subject only. Its
filings are kept here with who filed them; the list procedures they start are the `lists` app's
own (`lists.models.Objection`, `lists.models.RepairRequest`), linked from here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lists.models import BlackListEntry, Objection, RedListEntry, RepairRequest
from records.models import CreditRecord
from subjects.models import Subject

USER = settings.AUTH_USER_MODEL


class EnterpriseAccount(models.Model):
    """One user of one enterprise: registered by the enterprise, verified by the lead department
    (or opened by a sign-in through the province's identity service, bound to its `oidc_sub`).

    Until it is verified the account sees nothing of the subject (anyone may type a code). A
    registration whose code matches no enterprise of the county is kept too, as `UNMATCHED` with
    no subject: the registrant is answered exactly as for a known code (so the form cannot be
    used to learn which codes exist), and staff see it in their queue and refuse it.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for verification")
        UNMATCHED = "unmatched", _("No enterprise matches the code")
        VERIFIED = "verified", _("Verified")
        REFUSED = "refused", _("Verification refused")

    user = models.OneToOneField(USER, on_delete=models.PROTECT, related_name="enterprise_account")
    subject = models.ForeignKey(Subject, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="enterprise_accounts", verbose_name=_("subject"))
    # The code as the registrant typed it (or the identity service asserted it), normalised.
    subject_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    # The identity service's subject identifier (`iss` and `sub`): an account opened by an
    # OpenID Connect sign-in is found again by it, never by a name or an e-mail address.
    oidc_sub = models.CharField(_("identity service subject"), max_length=255, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_phone = models.CharField(_("contact phone"), max_length=30)
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    registered_at = models.DateTimeField(_("registered at"))
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("enterprise account")
        verbose_name_plural = _("enterprise accounts")
        ordering = ["-registered_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(subject__isnull=False) | models.Q(state__in=["unmatched",
                                                                                "refused"]),
                name="appeals_account_subject_unless_unmatched"),
            models.UniqueConstraint(fields=["oidc_sub"], condition=~models.Q(oidc_sub=""),
                                    name="appeals_account_one_per_oidc_sub"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.subject or self.subject_code}"


class AppealTarget(models.TextChoices):
    RECORD = "record", _("A credit record")
    GRADE = "grade", _("The credit grade")
    BLACK = "black", _("A black-list step")
    RED = "red", _("A red-list step")


class Appeal(models.Model):
    """An objection (异议) a subject filed against a record, its grade or a list step.

    A list-step objection is also registered in the list procedure (`list_objection`), which
    suspends the entry; the answer is given there and mirrored here. A record or grade objection
    is answered here; an accepted one corrects or revokes the record through the records review.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Not accepted")

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="appeals")
    target = models.CharField(_("objection against"), max_length=10, choices=AppealTarget.choices)
    record = models.ForeignKey(CreditRecord, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="appeals")
    black_entry = models.ForeignKey(BlackListEntry, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="appeals")
    red_entry = models.ForeignKey(RedListEntry, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="appeals")
    grade = models.CharField(_("grade objected to"), max_length=20, blank=True)
    grade_as_of = models.DateField(null=True, blank=True)
    ground = models.CharField(_("objection ground"), max_length=12,
                              choices=Objection.Ground.choices, default=Objection.Ground.FACTS)
    reasons = models.TextField(_("reasons"))
    filed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    filed_on = models.DateField(_("filed on"))
    filing_deadline = models.DateField(_("last day to file"))
    answer_due_on = models.DateField(_("answer due on"))
    list_objection = models.OneToOneField(Objection, null=True, blank=True,
                                          on_delete=models.PROTECT, related_name="appeal")
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    correction = models.ForeignKey(CreditRecord, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("correction"))

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-filed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} · {self.get_target_display()} ({self.get_state_display()})"


def evidence_path(instance: AppealEvidence, filename: str) -> str:
    return f"appeals/{instance.appeal_id}/{instance.sha256}{instance.extension}"


class AppealEvidence(models.Model):
    """An evidence file of an objection, checked as record evidence is, named by its SHA-256."""

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    extension = models.CharField(max_length=10)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["appeal", "sha256"],
                                               name="appeal_evidence_unique")]

    def __str__(self) -> str:
        return self.original_name


class RepairApplication(models.Model):
    """A credit-repair application filed from /my/: it is registered as a `RepairRequest` of the
    list procedure at once (the decision, its deadline and effects are the lists app's)."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT,
                                related_name="repair_applications")
    request = models.OneToOneField(RepairRequest, on_delete=models.PROTECT,
                                   related_name="application")
    filed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField()

    class Meta:
        ordering = ["-filed_at"]

    def __str__(self) -> str:
        return f"{self.subject}: {self.request}"


class CreditCommitment(models.Model):
    """A credit commitment (信用承诺书) the subject signed online, kept in its archive.

    国办发〔2019〕35号 (二): subjects make public credit commitments; a broken one is itself a
    dishonest act. The text is kept exactly as signed.
    """

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT,
                                related_name="credit_commitments")
    text = models.TextField(_("commitment text"))
    signer = models.CharField(_("signed by"), max_length=100)
    signed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    signed_on = models.DateField(_("signed on"))

    class Meta:
        verbose_name = _("credit commitment")
        verbose_name_plural = _("credit commitments")
        ordering = ["-signed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} {self.signed_on}"
