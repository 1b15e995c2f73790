"""The change feed's tables: an outbox of record changes and list decisions for other systems.

Why not the audit log or scoring's `RecordChange`: the audit log holds private data (before and
after snapshots, internal notes) and its `seq` is taken from a sequence without a lock, so a
reader following it would skip an event whose transaction commits after a later one; scoring's
feed is pruned and knows nothing of lists. This outbox keeps only what may leave the platform.

Order that survives concurrent writers: a row is written in the changing transaction with no
position; a short *sequencing* step (`exchange.services.sequence_changes`, run by each reader)
gives positions, under one lock, to the rows that have committed by then. A row that commits
later gets a larger position than every row sequenced before it, so a consumer that resumes
after its last position misses nothing and sees nothing twice.
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeEvent(models.Model):
    """One change another system may follow: a record that took effect, was corrected, revoked,
    repaired or ended its publicity, or a list decision (black, red, key supervision: entry,
    suspension, exit). `payload` is what the feed shows (ID numbers masked, no internal notes)."""

    class Kind(models.TextChoices):
        RECORD = "record", _("Credit record")
        BLACK = "black", _("Black list")
        RED = "red", _("Red list")
        KEY = "key", _("Key supervision")

    position = models.BigIntegerField(_("position"), null=True, blank=True, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    action = models.CharField(_("action"), max_length=40)
    object_id = models.BigIntegerField(_("object"))
    occurred_at = models.DateTimeField(_("time"))
    payload = models.JSONField(_("content"), encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("change (feed)")
        verbose_name_plural = _("changes (feed)")
        indexes = [
            models.Index(fields=["id"], condition=models.Q(position__isnull=True),
                         name="change_unsequenced_idx"),
            models.Index(fields=["kind", "object_id"], name="change_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.position or '—'}: {self.action} {self.object_id}"


class ChangeSequence(models.Model):
    """The one row whose lock serialises sequencing, and the last position given."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"change feed at {self.last}"
