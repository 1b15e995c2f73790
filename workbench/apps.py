from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

#: The notification handler runs after the procedures (stage 0) and the re-grade (stage 1), so
#: it announces what is due after the day's moves.
NOTIFY_STAGE = 2


class WorkbenchConfig(AppConfig):
    """The composition at the top of the flow: the workbench shell and per-role home page, URL
    and API wiring, the scheduler, notifications, `bootstrap` and the demo county. Only this app
    may import every other app (see `.importlinter`)."""

    name = "workbench"
    verbose_name = _("Workbench")

    def ready(self) -> None:
        from common.deadlines import register
        from records.signals import record_returned
        from workbench import notify

        register("workbench.notify_due", lambda as_of: notify.notify_due(as_of=as_of),
                 stage=NOTIFY_STAGE)
        record_returned.connect(notify.record_returned,
                                     dispatch_uid="workbench.record_returned")
