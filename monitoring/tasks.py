"""The statistics snapshot as a scheduled job: once a day, logged on the jobs page."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from common import jobs

jobs.register_command("snapshot_statistics", command="snapshot_statistics",
                      label=_("Statistics snapshot"), every=24 * 3600)
