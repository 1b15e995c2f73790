"""Data exchange's admin pages (none yet). API tokens are administered in `accounts`."""
