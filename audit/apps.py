from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        """Seal the audit log's unsealed events with every deadline run (hourly under
        `make run`), so the window in which only the stream heads vouch for the newest
        events stays short (ADR 0006)."""
        from audit.services import seal_job
        from common.deadlines import register

        register("audit.seal", seal_job)
