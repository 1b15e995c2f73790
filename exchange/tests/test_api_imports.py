"""`POST /api/v1/imports` and `GET /api/v1/imports/{number}`: the import the upload page and
`import_feed --json` run, as an endpoint; large files as background jobs; the same limits."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from accounts.models import Scope
from common import jobs
from exchange.tests import feedfiles as ff
from records.models import CreditRecord, RecordState

from .test_feeds import penalty_rows


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def catalogue(db) -> None:
    call_command("loaddata", "record_types", verbosity=0)


@pytest.fixture
def importer(issue) -> tuple[Any, str]:
    return issue(scopes=[Scope.IMPORTS_WRITE])


def post(plaintext: str, data: bytes, name: str = "cf.csv", **fields: Any) -> Any:
    body = {"file": SimpleUploadedFile(name, data, content_type="text/csv"), **fields}
    return Client().post("/api/v1/imports", body,
                         headers={"Authorization": f"Bearer {plaintext}"})


def get(plaintext: str, number: Any) -> Any:
    return Client().get(f"/api/v1/imports/{number}",
                        headers={"Authorization": f"Bearer {plaintext}"})


def command_json(tmp_path: Path, data: bytes, *args: str) -> dict:
    path = tmp_path / "cf.csv"
    path.write_bytes(data)
    out = StringIO()
    try:
        call_command("import_feed", str(path), "--json", *args, stdout=out)
    except SystemExit:
        pass
    return json.loads(out.getvalue())


def test_same_answer_as_the_command_then_duplicates(tmp_path, catalogue, importer,
                                                   other_department):
    _token, plaintext = importer
    data = ff.csv_file(ff.CF_CURRENT, penalty_rows(), "gbk")
    expected = command_json(tmp_path, data, "--dry-run", "--source", other_department.code)
    assert expected["created"] == 3 and len(expected["rejected"]) == 7

    dry = post(plaintext, data, dry_run="true")
    assert dry.status_code == 200, dry.content
    assert dry.json() == {**expected, "batch": None}
    assert not CreditRecord.objects.exists()

    real = post(plaintext, data)
    assert real.status_code == 200
    body = real.json()
    assert {k: body[k] for k in expected} == expected  # a dry run counts what a run does
    assert body["batch"].startswith("IMP-")
    records = CreditRecord.objects.all()
    assert records.count() == 3 and {r.state for r in records} == {RecordState.SUBMITTED}
    assert {r.source_department_id for r in records} == {other_department.pk}
    assert all(e["reason"] for e in body["rejected"])

    again = post(plaintext, ff.csv_file(ff.CF_CURRENT, penalty_rows(), "utf-8-sig")).json()
    assert (again["created"], again["duplicates"]) == (0, 3)


def test_a_large_file_becomes_a_job_with_status_progress_and_result(settings, catalogue,
                                                                    importer, issue):
    settings.EXCHANGE_SYNC_MAX_ROWS = 2
    token, plaintext = importer
    data = ff.csv_file(ff.CF_CURRENT, [ff.penalty(n) for n in range(1, 4)], "utf-8")
    response = post(plaintext, data)
    assert response.status_code == 202, response.content
    job = response.json()
    assert (job["status"], job["progress"], job["result"]) == ("queued", 0, None)
    busy = post(plaintext, data)  # one background import at a time
    assert busy.status_code == 409 and busy.json()["error"]["code"] == "job_running"
    assert not CreditRecord.objects.exists()  # nothing inside the request
    assert get(plaintext, job["number"]).json()["status"] == "queued"

    assert jobs.execute(job["number"]) == "succeeded"  # what a worker does
    done = get(plaintext, job["number"]).json()
    assert (done["status"], done["progress"]) == ("succeeded", 100)
    assert done["result"]["created"] == 3 and done["result"]["rejected"] == []
    assert done["result"]["batch"].startswith("IMP-")
    assert CreditRecord.objects.count() == 3
    assert all(r.created_by_id == token.user_id for r in CreditRecord.objects.all())

    _other, stranger = issue(scopes=[Scope.IMPORTS_WRITE], name="another system")
    missing = get(stranger, job["number"])
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "import_not_found"


def test_a_failed_job_says_why_without_a_traceback(settings, catalogue, importer, tmp_path):
    settings.EXCHANGE_SYNC_MAX_ROWS = 1
    _token, plaintext = importer
    data = ff.csv_file(ff.CF_CURRENT, [ff.penalty(1), ff.penalty(2)], "utf-8")
    number = post(plaintext, data).json()["number"]
    for path in (tmp_path / "media" / "exchange" / "uploads").iterdir():
        path.write_bytes(b"changed")  # the kept file no longer matches its checksum
    assert jobs.execute(number) == "failed"
    failed = get(plaintext, number).json()
    assert failed["status"] == "failed" and failed["result"] is None
    assert failed["error"] == "上传的文件已不在存储中，请重新上传。"


def test_no_dry_run_of_a_large_file(settings, catalogue, importer):
    settings.EXCHANGE_SYNC_MAX_ROWS = 1
    _token, plaintext = importer
    data = ff.csv_file(ff.CF_CURRENT, [ff.penalty(1), ff.penalty(2)], "utf-8")
    response = post(plaintext, data, dry_run="true")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "too_many_rows_for_dry_run"
    assert "1行" in response.json()["error"]["message"]


def test_the_same_limits_as_every_door(settings, catalogue, importer, issue, lead_department):
    _token, plaintext = importer
    data = ff.csv_file(ff.CF_CURRENT, [ff.penalty(1)], "utf-8")
    settings.EXCHANGE_UPLOAD_MAX_BYTES = 100
    too_big = post(plaintext, data)
    assert too_big.status_code == 413
    assert too_big.json()["error"]["code"] == "file_too_large"
    assert too_big.json()["error"]["field"] == "file"
    settings.EXCHANGE_UPLOAD_MAX_BYTES = 50 * 1024 * 1024
    settings.REQUEST_MAX_BYTES = 200
    request_too_big = post(plaintext, data)
    assert request_too_big.status_code == 413
    assert request_too_big.json()["error"]["code"] == "request_too_large"
    settings.REQUEST_MAX_BYTES = 25 * 1024 * 1024

    def refused(response: Any) -> tuple[int, str, str | None]:
        error = response.json()["error"]
        return response.status_code, error["code"], error["field"]

    assert refused(post(plaintext, data, name="cf.pdf")) == (422, "unsupported_file", "file")
    assert refused(post(plaintext, data, source="nobody")) == (422, "unknown_source", "source")
    assert refused(post(plaintext, data, source=lead_department.code))[0] == 403
    assert refused(post(plaintext, b"\x00\x01garbage")) == (422, "unreadable_file", "file")
    assert refused(post(plaintext, data, kind="other"))[:2] == (422, "invalid_input")
    _t, reader = issue(scopes=[Scope.RECORDS_READ])
    assert refused(post(reader, data)) == (403, "missing_scope", None)
    assert not CreditRecord.objects.exists()


def test_records_template_through_the_endpoint(catalogue, importer, enterprise):
    _token, plaintext = importer
    header = "主体代码,记录类型,文书号,发生日期,决定日期,金额（元）,等级,描述,内部备注\n"
    row = f"{enterprise.code},penalty_fine,模板罚〔2024〕1号,2024-03-01,2024-04-15,2000,,,\n"
    response = post(plaintext, (header + row).encode("utf-8"), name="records.csv",
                    kind="records")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1, response.json()


def test_documented_in_the_openapi_schema(client):
    schema = client.get("/api/v1/openapi.json").json()
    post_op = schema["paths"]["/api/v1/imports"]["post"]
    assert post_op["summary"] == "导入双公示数据或表格模板（可试导入）"
    assert "multipart/form-data" in post_op["requestBody"]["content"]
    assert {"200", "202", "413"} <= set(post_op["responses"])
    assert schema["paths"]["/api/v1/imports/{number}"]["get"]["summary"] == (
        "导入任务：状态、进度与结果")
