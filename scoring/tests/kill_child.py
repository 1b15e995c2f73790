"""A child process for test_regrade_job's kill test (not collected: no `test_` prefix).

`python kill_child.py setup|work|check FLAG`, with HC_DATA_DIR naming a migrated SQLite database:
setup grades two categories (the state that must survive), work queues a full re-grade and runs
the real worker loop with the switch held open (it writes FLAG, then waits to be killed), check
prints the state as JSON before and after `recover_stale`.
"""

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from common import jobs  # noqa: E402
from common.models import JobRun  # noqa: E402
from scoring import engine  # noqa: E402
from scoring.models import CurrentBatch, Evaluation, EvaluationBatch  # noqa: E402
from scoring.services import install_shipped_models  # noqa: E402
from subjects.models import Subject  # noqa: E402

AS_OF = dt.date(2026, 11, 30)


def state() -> dict:
    return {
        "pointers": {c.category: c.batch_id for c in CurrentBatch.objects.order_by("category")},
        "batches": {b.pk: b.status for b in EvaluationBatch.objects.order_by("pk")},
        "rows": {b: Evaluation.objects.filter(batch_id=b).count()
                 for b in EvaluationBatch.objects.values_list("pk", flat=True)},
        "runs": [{"id": r.pk, "status": r.status, "error": r.error, "summary": r.summary}
                 for r in JobRun.objects.order_by("pk")],
    }


def main(phase: str, flag: str) -> None:
    if phase == "setup":
        call_command("loaddata", "record_types", verbosity=0)
        install_shipped_models(publish=True)
        for n, category in enumerate(["property_service", "property_service", "practitioner"]):
            kind = "individual" if category == "practitioner" else "enterprise"
            Subject.objects.create(kind=kind, code=f"K{n:017d}", name=f"测试主体{n}",
                                   category=category, established_on=dt.date(2020, 1, 1))
        engine.regrade_in_effect(as_of=AS_OF, categories=["property_service", "practitioner"])
    elif phase == "work":
        jobs.enqueue("scoring.full_regrade", as_of=AS_OF.isoformat())

        def held_open(**kwargs: object) -> None:
            Path(flag).write_text("building")
            time.sleep(600)

        engine._switch_all = held_open
        call_command("run_worker", "--batch", "--no-startup-delay", "--no-reload",
                     "--interval", "0", verbosity=0)
    elif phase == "check":
        before = state()
        jobs.recover_stale()
        print(json.dumps({"before": before, "after": state()}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
