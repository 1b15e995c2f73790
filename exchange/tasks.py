"""The exchange's background job: a large import in the worker, not in the web request.

A file of more than `EXCHANGE_SYNC_MAX_ROWS` rows is not previewed (a dry run of a large file
would hold the database's write lock, on SQLite, for its whole length, and its progress could
not be seen from outside its rolled-back transaction); it is imported at once in the
background: its good rows enter review as submitted records like any import, its bad rows are
reported. The upload page stores the file by its SHA-256 and queues `exchange.import` with the
file's checksum, name, kind, source and the person who asked; the job reads the stored bytes
(checking their checksum), runs exactly what the synchronous page runs (`import_feed` /
`import_sheet`), reports its progress after every chunk (each chunk commits on its own), and
writes the batch number and the first rows into the run's summary. The page follows the run's
progress bar and then shows the batch: the same counts and the same error report (XLSX).

Exclusive (lock `exchange.import`): one background import at a time, so two large files of one
source never race each other for the same document numbers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User
from common import jobs
from common.errors import ServiceError
from common.models import JobRun
from exchange.feed_models import FeedKind
from exchange.feed_services import ImportResult, import_feed
from exchange.sheets import import_sheet

UPLOAD_DIR = "exchange/uploads"
JOB = "exchange.import"


def upload_path(sha256: str, file_name: str) -> str:
    """Where an uploaded file is kept: by checksum (the same file is stored once)."""
    return f"{UPLOAD_DIR}/{sha256}{Path(file_name).suffix.lower()[:8]}"


def stored_upload(sha256: str, file_name: str) -> bytes | None:
    """The stored bytes of an upload, or None when missing or no longer matching the checksum."""
    path = upload_path(sha256, file_name)
    if not default_storage.exists(path):
        return None
    with default_storage.open(path, "rb") as handle:
        data = handle.read()
    return data if hashlib.sha256(data).hexdigest() == sha256 else None


def run_import(*, actor: User, kind: str, source: Department, data: bytes, file_name: str,
               progress: Any = None) -> ImportResult:
    """One file through the importer its kind needs (feeds or a template)."""
    if kind in (FeedKind.SUBJECTS, FeedKind.RECORDS):
        return import_sheet(actor=actor, kind=kind, source=source, data=data,
                            file_name=file_name, progress=progress)
    return import_feed(actor=actor, source=source, data=data, file_name=file_name,
                       progress=progress)


def import_job(*, run: JobRun, sha256: str, file_name: str, kind: str, source_id: int,
               actor_id: int) -> int:
    """The job: import the stored file; returns the rows read."""
    actor = User.objects.get(pk=actor_id)
    source = Department.objects.get(pk=source_id)
    data = stored_upload(sha256, file_name)
    if data is None:
        raise jobs.JobFailed(str(_("The uploaded file is no longer stored; upload it again.")))

    def progress(done: int, total: int) -> None:
        jobs.report(run, progress=99 * done // max(total, 1), rows=done)

    with translation.override("zh-hans"):
        try:
            result = run_import(actor=actor, kind=kind, source=source, data=data,
                                file_name=file_name, progress=progress)
        except ServiceError as exc:
            raise jobs.JobFailed(str(exc.message)) from exc
        if result.batch is None:  # the file as a whole could not be read
            raise jobs.JobFailed(result.summary["rejected"][0]["reason"])
        jobs.report(run, batch=result.batch.number, preview=(result.preview or [])[:50])
    return int(result.summary["rows"])


def start_import(*, actor: User, kind: str, source: Department, sha256: str,
                 file_name: str) -> JobRun:
    """Queue a background import of a stored upload; returns its run at once. Refused
    (`Conflict`) while another background import is queued or running. The permission is the
    importer's own, asked again by the job (`import_feed` / `import_sheet`)."""
    return jobs.enqueue(JOB, actor=actor, sha256=sha256, file_name=file_name, kind=kind,
                        source_id=source.pk, actor_id=actor.pk)


jobs.register(JOB, label=_("Data exchange import"), func=import_job, lock=JOB)
