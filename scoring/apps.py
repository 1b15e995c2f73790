from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScoringConfig(AppConfig):
    name = "scoring"
    verbose_name = _("Credit evaluation")

    def ready(self) -> None:
        """Re-grade a subject whenever one of its records changes state (records/signals.py);
        prune old batches with the deadline job."""
        from records.signals import record_state_changed
        from scoring.receivers import note_record_change, regrade_on_record_change
        from subjects import panels

        panels.register(template="scoring/_subject_panel.html", order=10)

        from common.deadlines import register
        from scoring.retention import prune_old_batches

        # after the day's re-grades (stage 1, "scoring.basis_changed" sorts first)
        register("scoring.prune_batches", lambda as_of: prune_old_batches(), stage=1)

        record_state_changed.connect(regrade_on_record_change,
                                     dispatch_uid="scoring.regrade_on_record_change")
        record_state_changed.connect(note_record_change,
                                     dispatch_uid="scoring.note_record_change")
