"""Data exchange's own tables (none yet). API tokens, once here, are `accounts.ApiToken`."""
