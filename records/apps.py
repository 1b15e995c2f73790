from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = _("Credit records")

    def ready(self) -> None:
        """Show the subject's records on the subject page (subjects sits left of records)."""
        from records.subject_archive import archive
        from subjects import panels

        panels.register_context(name="records.archive", provider=archive)
