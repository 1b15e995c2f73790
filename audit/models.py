"""The append-only, tamper-evident audit log (审计日志): parallel hash chains, sealed in order.

Writers do not queue behind one row (ADR 0006). Each event belongs to one of a few *streams*
(`settings.AUDIT_STREAMS`, 16 by default); a writer takes whichever stream's head row is free
(`FOR UPDATE SKIP LOCKED`) and chains its event to that stream's last one: the hash covers the
event's content, its global `seq`, its place in the stream and the previous event's hash, so
altering, removing, inserting or reordering any stored event breaks its stream from that point
on — sealed or not. A short sealing step (`audit.services.seal`, run by the deadline job,
`manage.py seal_audit` and after a clean `verify_audit`) appends a *seal* event to stream 0:
the heads of every stream and the Merkle root of the events it newly covers, in `seq` order,
chained to the previous seal. `manage.py verify_audit` checks every stream and every seal.

The database refuses UPDATE and DELETE on the event table (triggers, migrations 0002 and
0003) so the application cannot rewrite history even by mistake.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

SEAL_STREAM = 0  # the stream that holds the seals; writers use streams 1..AUDIT_STREAMS


class AuditEvent(models.Model):
    # Global order: unique, increasing within a stream, taken from a sequence without a lock
    # (so it may have gaps where a transaction rolled back).
    seq = models.BigIntegerField(_("sequence"), unique=True)
    stream = models.PositiveSmallIntegerField(_("stream"), default=1)
    # Gap-free position in the stream: 1, 2, 3 … (a missing number is a removed event).
    stream_seq = models.BigIntegerField(_("position in stream"))
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+", db_constraint=False,
    )
    actor_label = models.CharField(_("actor"), max_length=150)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("object type"), max_length=64)
    target_id = models.CharField(_("object id"), max_length=64)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["seq"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]
        constraints = [models.UniqueConstraint(fields=["stream", "stream_seq"],
                                               name="audit_stream_position_uniq")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_type}:{self.target_id}"


class ChainHead(models.Model):
    """The last event of one stream (id = stream number); locking it serialises that stream only.

    Written in the same transaction as each event, so verification notices a truncated tail.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)  # the stream's last position (stream_seq)
    hash = models.CharField(max_length=64, default="0" * 64)
    event_seq = models.BigIntegerField(default=0)  # that event's global seq (for reports)

    def __str__(self) -> str:
        return f"stream {self.id} head #{self.seq}"
