from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    """Credit check at the service window (信用核查), commitments (容缺受理) and feedback."""

    name = "approvals"
    verbose_name = _("Credit checks and commitments")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register the commitment deadline job with the platform's deadline runner, and the
        checks' batch reference as self-contained with the retention rule.

        `manage.py process_deadlines` and the embedded scheduler call it; the handler is
        idempotent (conditional update per commitment), see `approvals.deadlines`.
        """
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from approvals import deadlines
        from approvals.models import CreditCheck, Matter, MatterMaterial, Measure, Rule, RuleSet
        from approvals.selectors import forget_rule_books
        from common.deadlines import register
        from scoring.retention import register_self_contained_reference

        register("approvals.commitments", deadlines.breach_overdue_commitments)
        # A check's snapshot holds the grade, score and model it quoted: the batch it names
        # keeps its row when old grades are pruned, not its grades (scoring.retention).
        register_self_contained_reference(CreditCheck, "batch")

        def forget(**kwargs: object) -> None:
            forget_rule_books()

        # A worker caches the catalogue for a minute; an edit in this process forgets it now.
        for model in (Matter, MatterMaterial, Measure, Rule, RuleSet):
            post_save.connect(forget, sender=model, dispatch_uid=f"approvals.forget.{model}")
            post_delete.connect(forget, sender=model, dispatch_uid=f"approvals.forget-d.{model}")
        for through in (Measure.cancels.through, Rule.measures.through, Rule.matters.through):
            m2m_changed.connect(forget, sender=through, dispatch_uid=f"approvals.forget.{through}")
