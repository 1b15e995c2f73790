from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = _("Common")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from common import signals  # noqa: F401  (connects the calendar cache receiver)

        # Every app's `tasks` module registers its background jobs (common.jobs) — found by
        # name, so `common` imports no app to its right.
        autodiscover_modules("tasks")
