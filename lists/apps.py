from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListsConfig(AppConfig):
    """Red list, black list, key supervision, industry sanctions and typical cases (红黑名单)."""

    name = "lists"
    verbose_name = _("Lists and sanctions")

    def ready(self) -> None:
        from common.deadlines import register
        from lists import deadlines, receivers  # noqa: F401  (connects record_state_changed)
        from subjects import panels

        panels.register(template="lists/_subject_panel.html", order=20)

        register("lists.black", deadlines.black_list_deadlines)
        register("lists.red", deadlines.red_list_deadlines)
        register("lists.key", deadlines.key_supervision_recheck)
        # after every procedure of the day: re-grade the subjects whose basis changed
        register("scoring.basis_changed", deadlines.regrade_changed_basis, stage=1)

        # a red-list criterion looks back over N batches: retention keeps at least that many
        from lists.selectors import red_list_history_needed
        from scoring.retention import register_minimum_history

        register_minimum_history(red_list_history_needed)

        from lists.eligibility import key_supervision_subject_ids  # the draw's strictest stratum
        from supervision.sources import register_key_supervision_source

        register_key_supervision_source(key_supervision_subject_ids)
