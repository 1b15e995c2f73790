"""A fresh platform in a subprocess (its own SQLite database and data directory) for round-trip
tests: what one installation exports, another imports with the real commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings

#: Runs in the fresh installation after each import (`manage.py shell -c`): a reviewer there
#: (never the feed's own account: four eyes) approves what waits for review, records and
#: revocation requests alike, as its reviewers would.
REVIEW_ALL = """
from accounts.models import Department, Role, User
from accounts.services import department_create, user_create
from exchange.feed_models import RevocationRequest
from exchange.revocations import revocation_decide
from records.models import CreditRecord, RecordState
from records.services import record_approve
lead = (Department.objects.filter(kind="lead").first()
        or department_create(actor=None, code="lead", name="住房保障中心", kind="lead"))
reviewer = (User.objects.filter(username="round-trip-reviewer").first()
            or user_create(actor=None, username="round-trip-reviewer",
                           role=Role.LEAD_REVIEWER, department=lead)[0])
for record in CreditRecord.objects.filter(state=RecordState.SUBMITTED).order_by("id"):
    record_approve(actor=reviewer, record=record)
for request in RevocationRequest.objects.filter(state="pending").order_by("id"):
    revocation_decide(actor=reviewer, request=request, approve=True)
"""


class FreshSite:
    """`manage.py` of a new installation under `tmp_path / name`, migrated, catalogue loaded."""

    def __init__(self, tmp_path: Path, name: str = "fresh") -> None:
        self.data_dir = tmp_path / name
        self.data_dir.mkdir()
        self.env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        self.env["HC_DATA_DIR"] = str(self.data_dir)
        self.base = Path(django_settings.BASE_DIR)
        for args in (["migrate", "-v0"], ["loaddata", "record_types", "-v0"]):
            self.manage(*args)

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, str(self.base / "manage.py"), *args],
                              env=self.env, cwd=self.base, capture_output=True, text=True)
        if done.returncode not in (0, 1):  # 1: the import reported rejected rows
            raise AssertionError(f"manage.py {' '.join(args)}: {done.stderr[-2000:]}")
        return done

    def import_feed(self, path: Path) -> dict[str, Any]:
        return json.loads(self.manage("import_feed", str(path), "--json").stdout)

    def review_all(self) -> None:
        self.manage("shell", "-c", REVIEW_ALL)

    def query(self, script: str) -> Any:
        """What `script` prints as JSON (the last line of its output)."""
        return json.loads(self.manage("shell", "-c", script).stdout.strip().splitlines()[-1])


#: The credit records as a reader sees them: per document number its latest version (rejected
#: versions aside) with subject, type, state, amount and decision date. The same code runs here
#: and in the fresh installation, so the two states are compared like for like.
RECORD_STATE = '''
def record_state():
    from records.models import CreditRecord
    latest = {}
    for r in (CreditRecord.objects.exclude(state="rejected")
              .select_related("subject", "record_type").order_by("document_number", "version")):
        latest[r.document_number] = [
            r.document_number, r.subject.code, r.subject.name, r.record_type.code, r.state,
            None if r.amount is None else f"{r.amount:.2f}", r.decided_on.isoformat()]
    return sorted(latest.values())
'''


def record_state_here() -> list[list[Any]]:
    namespace: dict[str, Any] = {}
    exec(RECORD_STATE, namespace)  # noqa: S102 - the module's own constant
    return namespace["record_state"]()


def record_state_there(site: FreshSite) -> list[list[Any]]:
    return site.query(RECORD_STATE + "\nimport json\nprint(json.dumps(record_state()))")
