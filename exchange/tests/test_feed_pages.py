"""The upload page: preview first (nothing written), confirm, counts, the XLSX error report."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from exchange.feed_models import ClassificationRequest, ImportBatch
from exchange.tests import feedfiles as ff
from records.models import CreditRecord


@pytest.fixture
def catalogue(db) -> None:
    call_command("loaddata", "record_types", verbosity=0)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, data: bytes, name: str, source) -> object:
    return client.post("/exchange/feeds/", {"file": SimpleUploadedFile(name, data),
                                            "source": source.pk})


def test_preview_then_import_then_error_report(catalogue, reviewer, other_department,
                                               settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = signed_in(reviewer)
    rows = [ff.penalty(1), ff.penalty(2, CF_JDRQ="2024-02-30"), ff.penalty(3, CF_NR_FK="abc")]
    data = ff.csv_file(ff.CF_CURRENT, rows, "gbk")
    response = upload(client, data, "罚款.csv", other_department)
    assert response.status_code == 302
    preview = ImportBatch.objects.get(state="preview")
    assert not CreditRecord.objects.exists()
    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-count="created">1<' in body and 'data-count="rejected">2<' in body
    assert "县住建罚〔2024〕1号" in body  # the preview rows

    confirmed = client.post(f"/exchange/imports/{preview.number}/import/")
    assert confirmed.status_code == 302
    batch = ImportBatch.objects.get(state="finished")
    assert batch.summary()["created"] == 1 and len(batch.rejected) == 2
    assert CreditRecord.objects.count() == 1
    assert ClassificationRequest.objects.count() == 1

    report = client.get(f"/exchange/imports/{batch.number}/errors.xlsx")
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(report.content)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    rows_out = [r for r in values if r and r[0] in (3, 4)]
    assert [(r[0], r[1]) for r in rows_out] == [(3, "CF_JDRQ"), (4, "CF_NR_FK")]
    assert "不存在" in rows_out[0][2]

    # The same file again through the page, then imported: only duplicates.
    again = upload(client, ff.csv_file(ff.CF_CURRENT, rows, "utf-8-sig"), "again.csv",
                   other_department)
    second = ImportBatch.objects.filter(state="preview").latest("id")
    assert second.duplicates == 1 and second.created == 0
    assert again.status_code == 302


def test_refusals(catalogue, clerk, reviewer, other_department, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert signed_in(clerk).get("/exchange/feeds/").status_code == 403  # not the lead dept
    client = signed_in(reviewer)
    not_feed = upload(client, "甲,乙\n1,2\n".encode(), "x.csv", other_department)
    assert not_feed.status_code == 422
    assert "双公示" in not_feed.content.decode()
    settings.EXCHANGE_SYNC_MAX_ROWS = 1
    big = upload(client, ff.csv_file(ff.CF_CURRENT, [ff.penalty(1), ff.penalty(2)], "utf-8"),
                 "big.csv", other_department)
    assert big.status_code == 302 and "/exchange/jobs/" in big["Location"]  # a job, queued
    assert not ImportBatch.objects.exists()  # nothing ran inside the request


def test_clerk_closes_a_subject_to_classify(catalogue, reviewer, clerk, other_department,
                                            settings, tmp_path):
    from exchange.feed_services import import_feed

    import_feed(actor=reviewer, source=other_department, file_name="a.csv",
                data=ff.csv_file(ff.CF_CURRENT, [ff.penalty(1)], "utf-8"))
    item = ClassificationRequest.objects.get()
    client = signed_in(clerk)
    page = client.get("/exchange/classify/")
    assert page.status_code == 200 and item.subject.name in page.content.decode()
    client.post("/exchange/classify/", {"request": item.pk})
    item = ClassificationRequest.objects.get()
    assert item.resolved_by == clerk and item.resolved_at is not None
    assert item.subject.name not in client.get("/exchange/classify/").content.decode()
