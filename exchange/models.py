"""Data exchange's tables: the feed mapping table, import and export batches, classification
requests (defined in `exchange.feed_models`). API tokens live in `accounts`."""

from exchange.feed_models import (  # noqa: F401  the exchange's file models
    ClassificationRequest,
    ExportBatch,
    ExportRow,
    FeedMapping,
    ImportBatch,
    ImportedRow,
    RevocationRequest,
)
