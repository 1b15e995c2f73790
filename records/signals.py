"""Signals the records app sends so apps to its right (scoring, lists) can react without
records importing them (DESIGN.md: an app imports only from apps to its left)."""

from django.dispatch import Signal

# Sent inside the service's transaction whenever a record becomes effective, is superseded by a
# correction, or is revoked: receivers (e.g. the scoring app's incremental re-grade) run in the
# same request and the same transaction. Arguments: record (CreditRecord).
record_state_changed = Signal()

# Sent inside the rejecting transaction when a reviewer returns a submitted record to its clerk.
# Kept apart from `record_state_changed`: a rejected record never took effect, so nothing that
# follows the effective archive (re-grade, change feed, lists) should react; the workbench tells
# the clerk. Arguments: record (CreditRecord).
record_returned = Signal()
