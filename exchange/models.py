"""Data exchange's tables: the feed mapping table, import and export batches, classification
requests (defined in `exchange.feed_models`), and the change feed's outbox
(`exchange.change_models`). API tokens live in `accounts`."""

from exchange.change_models import ChangeEvent, ChangeSequence  # noqa: F401  the change feed
from exchange.feed_models import (  # noqa: F401  the exchange's file models
    ClassificationRequest,
    ExportBatch,
    ExportRow,
    FeedMapping,
    ImportBatch,
    ImportedRow,
    RevocationRequest,
)
