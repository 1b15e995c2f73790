"""Large imports as background jobs: an upload above `EXCHANGE_SYNC_MAX_ROWS` returns at once
with the job's page, the worker (`common.jobs.execute`, what `run_worker` calls) imports it with
progress, and the batch page shows the same counts and error report. A 100,000-row file goes
through the job (set-based path) in well under a minute."""

from __future__ import annotations

import csv
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from common import jobs
from common.models import JobRun, JobStatus
from exchange import tasks
from exchange.feed_models import ImportBatch, ImportedRow
from exchange.tests import feedfiles as ff
from records.models import CreditRecord, RecordState
from subjects.models import Subject


@pytest.fixture
def catalogue(db) -> None:
    call_command("loaddata", "record_types", verbosity=0)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_large_upload_runs_as_a_job_with_progress(catalogue, reviewer, other_department,
                                                  settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EXCHANGE_SYNC_MAX_ROWS = 2
    client = signed_in(reviewer)
    rows = [ff.penalty(1), ff.penalty(2), ff.penalty(3, CF_NR_FK="abc"), ff.penalty(4)]
    response = client.post("/exchange/feeds/", {
        "file": SimpleUploadedFile("大文件.csv", ff.csv_file(ff.CF_CURRENT, rows, "gbk")),
        "source": other_department.pk})
    assert response.status_code == 302
    run = JobRun.objects.get(job=tasks.JOB)
    assert response["Location"] == f"/exchange/jobs/{run.pk}/"
    assert run.status == JobStatus.QUEUED and not ImportBatch.objects.exists()
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'data-testid="job-progress"' in page.content.decode()
    status = client.get(reverse("jobs:status", args=[run.pk])).json()
    assert status["status"] == JobStatus.QUEUED and not status["finished"]

    assert jobs.execute(run.pk) == JobStatus.SUCCEEDED  # the worker's side
    run.refresh_from_db()
    assert (run.progress, run.rows) == (100, 4)
    done = client.get(f"/exchange/jobs/{run.pk}/")
    batch = ImportBatch.objects.get(state=ImportBatch.State.FINISHED)
    assert done.status_code == 302 and done["Location"] == f"/exchange/imports/{batch.number}/"
    assert (batch.rows, batch.created, len(batch.rejected)) == (4, 3, 1)
    result = client.get(done["Location"]).content.decode()
    assert 'data-count="created">3<' in result and "CF_NR_FK" in result
    assert "测试房地产开发有限公司4" in result  # the first rows, kept by the job, are shown too
    report = client.get(f"/exchange/imports/{batch.number}/errors.xlsx")
    sheet = load_workbook(io.BytesIO(report.content)).active
    assert list(next(sheet.iter_rows(min_row=4, values_only=True)))[:2] == [4, "CF_NR_FK"]
    assert CreditRecord.objects.filter(state=RecordState.SUBMITTED).count() == 3


def test_someone_else_cannot_follow_my_import(catalogue, reviewer, second_reviewer,
                                              other_department, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.EXCHANGE_SYNC_MAX_ROWS = 0
    signed_in(reviewer).post("/exchange/feeds/", {
        "file": SimpleUploadedFile("a.csv", ff.csv_file(ff.CF_CURRENT, [ff.penalty(1)],
                                                        "utf-8")),
        "source": other_department.pk})
    run = JobRun.objects.get(job=tasks.JOB)
    assert signed_in(second_reviewer).get(f"/exchange/jobs/{run.pk}/").status_code == 403


def test_a_missing_upload_fails_the_run_with_a_reason(catalogue, reviewer, other_department,
                                                      settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    run = tasks.start_import(actor=reviewer, kind="feed", source=other_department,
                             sha256="0" * 64, file_name="gone.csv")
    assert jobs.execute(run.pk) == JobStatus.FAILED
    run.refresh_from_db()
    assert "上传" in run.error or "upload" in run.error


def _big_file(count: int) -> bytes:
    """`count` penalty rows over count/5 registered enterprises, plus three bad rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header = ["CF_WSH", "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_WFXW", "CF_SY",
              "CF_CFLB", "CF_NR", "CF_NR_FK", "CF_JDRQ", "CF_CFJG"]
    writer.writerow(header)
    codes = [ff.uscc(n) for n in range(count // 5)]
    Subject.objects.bulk_create(
        [Subject(kind="enterprise", code=code, name=f"大批量公司{n}", category="developer")
         for n, code in enumerate(codes)], batch_size=5000)
    for n in range(count):
        writer.writerow([f"批量罚〔2024〕{n}号", f"大批量公司{n // 5}", "法人及非法人组织",
                         codes[n // 5], "未按规定公示商品房销售信息", f"第{n}号案件",
                         "罚款", "罚款", "2" if n % 2 else "0.5",
                         f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}", "某县住建局"])
    writer.writerow(["批量罚〔2024〕坏1号", "某公司", "", codes[0], "", "", "罚款", "", "两万",
                     "2024-01-01", ""])
    writer.writerow(["批量罚〔2024〕坏2号", "某公司", "", codes[0], "", "", "罚款", "", "",
                     "2024-02-30", ""])
    writer.writerow(["", "某公司", "", codes[0], "", "", "罚款", "", "", "2024-01-01", ""])
    return buffer.getvalue().encode("utf-8")


def test_a_100000_row_import_finishes_through_the_job(catalogue, reviewer, other_department,
                                                      settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = _big_file(100_000)
    client = signed_in(reviewer)
    started = time.monotonic()
    response = client.post("/exchange/feeds/", {"file": SimpleUploadedFile("全年.csv", data),
                                                "source": other_department.pk})
    assert response.status_code == 302  # returned at once: nothing imported in the request
    assert time.monotonic() - started < 30 and not ImportBatch.objects.exists()
    run = JobRun.objects.get(job=tasks.JOB)
    assert jobs.execute(run.pk) == JobStatus.SUCCEEDED
    batch = ImportBatch.objects.get(state=ImportBatch.State.FINISHED)
    assert (batch.rows, batch.created, batch.duplicates) == (100_003, 100_000, 0)
    assert sorted((e["row"], e["field"]) for e in batch.rejected) == [
        (100_002, "CF_NR_FK"), (100_003, "CF_JDRQ"), (100_004, "CF_WSH")]
    assert CreditRecord.objects.filter(source_department=other_department).count() == 100_000
    assert ImportedRow.objects.filter(batch=batch).count() == 100_003
    run.refresh_from_db()
    assert (run.progress, run.rows) == (100, 100_003)
