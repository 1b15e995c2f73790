"""Scoring's background job: the full re-grade, started from the batches page or the scheduler.

Exclusive (lock `scoring.regrade`): two full re-grades never run at once — a second click is
refused while one is queued or running. The new batches are written into the run's summary as
soon as they exist, so when the worker dies mid-way the jobs machinery (`common.jobs.
recover_stale`) marks the run failed and this module's `on_abandon` fails and empties exactly
those batches; the previous batches stay current throughout.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import require
from common import clock, jobs
from common.models import JobRun
from scoring import engine
from scoring.permissions import can_manage_models

#: A building batch older than this, left by a re-grade that was not a job (the `regrade`
#: command killed mid-way), is swept by the next full re-grade job.
ORPHAN_AFTER = dt.timedelta(days=1)


def full_regrade(*, run: JobRun, as_of: str | None = None, category: str | None = None,
                 actor_id: int | None = None) -> int:
    """Re-grade every category (or one) with its model in effect; returns the subjects graded."""
    engine.fail_unfinished_batches(started_before=clock.now() - ORPHAN_AFTER)
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    batches = engine.regrade_in_effect(
        as_of=dt.date.fromisoformat(as_of) if as_of else None,
        categories=[category] if category else None, actor=actor,
        on_building=lambda ids: jobs.report(run, batches=ids),
        progress=lambda pct: jobs.report(run, progress=pct))
    jobs.report(run, batches=[b.pk for b in batches])
    return sum(b.subject_count for b in batches)


def start_full_regrade(*, actor: Any, as_of: dt.date | None = None,
                       category: str | None = None) -> JobRun:
    """Queue a full re-grade asked for from the workbench; returns its run at once.

    Refused (`Conflict`) while another full re-grade is queued or running. The engine's switch
    writes the audit event when the batches become current.
    """
    require(can_manage_models(actor), _("re-grade subjects"))
    args: dict[str, Any] = {"as_of": (as_of or clock.today()).isoformat(),
                            "actor_id": getattr(actor, "pk", None)}
    if category:
        args["category"] = category
    return jobs.enqueue("scoring.full_regrade", actor=actor, **args)


def clean_after_abandoned_run(run: JobRun) -> None:
    """The worker died: fail and empty the batches this run was building."""
    ids = (run.summary or {}).get("batches") or []
    engine.fail_unfinished_batches(
        batch_ids=[int(i) for i in ids],
        reason=str(_("The re-grade job stopped before it finished.")))


jobs.register("scoring.full_regrade", label=_("Full re-grade"), func=full_regrade,
              lock="scoring.regrade", on_abandon=clean_after_abandoned_run)
