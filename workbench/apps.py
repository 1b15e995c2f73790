from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    """The composition at the top of the flow: the workbench shell and per-role home page, URL
    and API wiring, the scheduler, `bootstrap` and the demo county. Only this app may import
    every other app (see `.importlinter`)."""

    name = "workbench"
    verbose_name = _("Workbench")
