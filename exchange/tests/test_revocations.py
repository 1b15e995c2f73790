"""CF_ZT = 2 in a penalty feed: the matching record (same source, same document number) is
revoked through review — a revocation request a reviewer other than the importer decides —
never a new bad record; an unmatched revocation is refused with a Chinese reason."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from audit.models import AuditEvent
from common.errors import PermissionDeniedError, ValidationFailed
from exchange.feed_models import ImportedRow, RevocationRequest, RowOutcome
from exchange.feed_services import feed_account, import_feed, revocation_decide
from exchange.tests import feedfiles as ff
from records.models import CreditRecord, RecordState
from records.services import record_approve

HEADER = ff.CF_CURRENT + ["CF_ZT"]


@pytest.fixture
def catalogue(db) -> None:
    call_command("loaddata", "record_types", verbosity=0)


@pytest.fixture
def feed(catalogue, other_department):
    actor = feed_account(source=other_department)

    def _import(*rows: dict, encoding: str = "utf-8") -> dict:
        return import_feed(actor=actor, source=other_department,
                           data=ff.csv_file(HEADER, list(rows), encoding),
                           file_name="cf.csv").summary

    return _import


def test_revoked_row_asks_for_review_and_never_adds_a_record(feed, reviewer, second_reviewer):
    feed(ff.penalty(1))
    record = CreditRecord.objects.get()
    record_approve(actor=reviewer, record=record)
    summary = feed(ff.penalty(1, CF_ZT="2", BZ="复议撤销"), encoding="gbk")
    assert (summary["created"], summary["corrections"], summary["rejected"]) == (0, 1, [])
    assert CreditRecord.objects.count() == 1  # no new bad record
    request = RevocationRequest.objects.get()
    assert (request.record, request.state, request.reason) == (
        record, RevocationRequest.State.PENDING, "复议撤销")
    assert CreditRecord.objects.get().state == RecordState.EFFECTIVE  # until reviewed
    assert ImportedRow.objects.filter(outcome=RowOutcome.REVOCATION).count() == 1
    # the same revocation again is a duplicate, not a second request
    again = feed(ff.penalty(1, CF_ZT="2"))
    assert (again["duplicates"], again["corrections"]) == (1, 0)
    assert RevocationRequest.objects.count() == 1

    with pytest.raises(PermissionDeniedError):  # four eyes: never the importer
        revocation_decide(actor=request.requested_by, request=request, approve=True)
    revocation_decide(actor=second_reviewer, request=request, approve=True)
    assert CreditRecord.objects.get().state == RecordState.REVOKED
    assert RevocationRequest.objects.get().state == RevocationRequest.State.APPROVED
    assert AuditEvent.objects.filter(action="record.revoke").count() == 1
    # a revoked record revoked again: a duplicate
    assert feed(ff.penalty(1, CF_ZT="2"))["duplicates"] == 1


def test_unmatched_revocation_is_refused_with_a_chinese_reason(feed):
    summary = feed(ff.penalty(5, CF_ZT="2"))
    assert summary["created"] == 0 and len(summary["rejected"]) == 1
    entry = summary["rejected"][0]
    assert (entry["row"], entry["field"]) == (2, "CF_WSH")
    assert "未撤销任何记录" in entry["reason"] and "县住建罚〔2024〕5号" in entry["reason"]
    assert not CreditRecord.objects.exists() and not RevocationRequest.objects.exists()


def test_revocation_of_a_record_still_in_review_rejects_it(feed, reviewer):
    feed(ff.penalty(2))
    feed(ff.penalty(2, CF_ZT="2"))
    revocation_decide(actor=reviewer, request=RevocationRequest.objects.get(), approve=True)
    assert CreditRecord.objects.get().state == RecordState.REJECTED  # never became effective


def test_refusing_needs_a_reason_and_keeps_the_record(feed, reviewer, second_reviewer):
    feed(ff.penalty(3))
    record_approve(actor=reviewer, record=CreditRecord.objects.get())
    feed(ff.penalty(3, CF_ZT="2"))
    request = RevocationRequest.objects.get()
    with pytest.raises(ValidationFailed):
        revocation_decide(actor=second_reviewer, request=request, approve=False)
    revocation_decide(actor=second_reviewer, request=request, approve=False,
                      comment="撤销决定未生效")
    assert CreditRecord.objects.get().state == RecordState.EFFECTIVE
    assert RevocationRequest.objects.get().comment == "撤销决定未生效"


def test_reviewer_decides_on_the_page(feed, reviewer, second_reviewer, clerk):
    feed(ff.penalty(4))
    record_approve(actor=reviewer, record=CreditRecord.objects.get())
    feed(ff.penalty(4, CF_ZT="2"))
    request = RevocationRequest.objects.get()
    denied = Client()
    denied.force_login(clerk)
    assert denied.get("/exchange/revocations/").status_code == 403
    client = Client()
    client.force_login(second_reviewer)
    page = client.get("/exchange/revocations/")
    assert page.status_code == 200 and "县住建罚〔2024〕4号" in page.content.decode()
    response = client.post("/exchange/revocations/", {"request": request.pk,
                                                      "decision": "approve"})
    assert response.status_code == 302
    assert CreditRecord.objects.get().state == RecordState.REVOKED


def test_legacy_2016_status_column_is_read_too(catalogue, other_department, reviewer):
    actor = feed_account(source=other_department)
    row = ff.legacy_penalty(7)
    import_feed(actor=actor, source=other_department, file_name="l.csv",
                data=ff.csv_file(ff.CF_LEGACY, [row], "gbk"))
    record_approve(actor=reviewer, record=CreditRecord.objects.get())
    summary = import_feed(actor=actor, source=other_department, file_name="l2.csv",
                          data=ff.csv_file(ff.CF_LEGACY, [{**row, "CF_ZT": "2"}], "gbk")).summary
    assert summary["corrections"] == 1 and RevocationRequest.objects.count() == 1
