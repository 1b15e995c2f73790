"""Signals the records app sends so apps to its right (scoring, lists) can react without
records importing them (DESIGN.md: an app imports only from apps to its left)."""

from django.dispatch import Signal

# Sent inside the service's transaction whenever a record becomes effective, is superseded by a
# correction, is revoked, or is returned (rejected) to its clerk: receivers (e.g. the scoring
# app's incremental re-grade, the workbench's notification) run in the same request and the same
# transaction. Arguments: record (CreditRecord).
record_state_changed = Signal()
