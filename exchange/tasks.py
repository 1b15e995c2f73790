"""Exchange's background job: importing a file too large to import inside a request.

A file above `EXCHANGE_SYNC_MAX_ROWS` rows is kept by checksum under the upload directory the
upload page uses, and a job (`exchange.import_file`, run by any worker) calls the very service
the page and `manage.py import_feed` call (`import_feed`, or `import_sheet` for a template) on
those bytes; its run keeps the result (the same summary as `import_feed --json`, and the batch
number), which `GET /api/v1/imports/{number}` shows.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department, User
from common import jobs
from common.errors import ServiceError
from common.models import JobRun
from exchange.feed_services import import_feed
from exchange.sheets import import_sheet

JOB = "exchange.import_file"
#: what the caller names the file's kind; "feed" is a 双公示 file (CF or XK, detected)
FEED = "feed"
UPLOAD_DIR = "exchange/uploads"  # the upload page keeps its files here too


def keep_upload(*, data: bytes, file_name: str) -> str:
    """Store the bytes under their checksum (the same file is stored once); returns the path."""
    sha = hashlib.sha256(data).hexdigest()
    path = f"{UPLOAD_DIR}/{sha}{Path(file_name).suffix.lower()[:8]}"
    if not default_storage.exists(path):
        default_storage.save(path, ContentFile(data))
    return path


def run_file_import(*, actor: User, kind: str, source: Department, data: bytes, file_name: str,
                    dry_run: bool, max_rows: int | None = None) -> Any:
    """One file through the service of its kind: a 双公示 feed or a subjects/records template."""
    if kind == FEED:
        return import_feed(actor=actor, source=source, data=data, file_name=file_name,
                           dry_run=dry_run, max_rows=max_rows)
    return import_sheet(actor=actor, kind=kind, source=source, data=data,
                        file_name=file_name, dry_run=dry_run, max_rows=max_rows)


def start_file_import(*, actor: User, kind: str, source: Department, data: bytes,
                      file_name: str, dry_run: bool) -> JobRun:
    """Keep the file and queue its import; returns the run at once (its id is the number the
    caller asks about). The caller has already been let through the service's permission check
    (the synchronous attempt asks it before it counts the rows)."""
    path = keep_upload(data=data, file_name=file_name)
    return jobs.enqueue(JOB, actor=actor, path=path, sha256=hashlib.sha256(data).hexdigest(),
                        file_name=file_name[:200], kind=kind, source_id=source.pk,
                        actor_id=actor.pk, dry_run=dry_run)


def import_file(*, run: JobRun, path: str, sha256: str, file_name: str, kind: str,
                source_id: int, actor_id: int, dry_run: bool = False) -> int:
    """The job: read the kept bytes (checked against their checksum) and import them."""
    with default_storage.open(path, "rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != sha256:
        message = _("The stored file no longer matches its checksum; send it again.")
        jobs.report(run, error_message=message)
        raise jobs.JobFailed(message)
    actor = User.objects.select_related("department").get(pk=actor_id)
    source = Department.objects.get(pk=source_id)
    try:
        result = run_file_import(actor=actor, kind=kind, source=source, data=data,
                                 file_name=file_name, dry_run=dry_run)
    except ServiceError as exc:
        jobs.report(run, error_message=str(exc.message))
        raise jobs.JobFailed(str(exc.message)) from exc
    jobs.report(run, progress=100, result=result.summary,
                batch=result.batch.number if result.batch else None)
    return int(result.summary["rows"])


jobs.register(JOB, label=gettext_lazy("Import a file"), func=import_file)
