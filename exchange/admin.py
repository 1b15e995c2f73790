"""Data exchange in the Django admin: the feed mapping table and the exchange's file tables.

API tokens are administered in `accounts`."""

from exchange import feed_admin  # noqa: F401  the exchange's file tables
