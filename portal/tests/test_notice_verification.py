"""The notices and decisions of the lists carry a QR code and a verification link with an
unguessable token; the public page says whether the notice still stands, as of today."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.test import Client
from pypdf import PdfReader

from audit.models import AuditEvent
from common import clock
from lists import services as list_services
from lists.models import BlackState, NoticeDocument
from lists.tests.helpers import refreshed, to_in_force
from portal.models import DocumentKind, VerifiableDocument
from portal.tests.conftest import START, uscc
from subjects.models import Subject

TOKEN_URL = re.compile(r"http://127\.0\.0\.1:8000(/public/verify/([A-Za-z0-9_-]{32,})/)")
pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db) -> Subject:
    return Subject.objects.create(kind="enterprise", code=uscc(71), name="福州核验物业有限公司",
                                  category="property_service")


def _link(notice: NoticeDocument) -> tuple[str, str]:
    """The verification path and token printed in the notice's PDF (as text, not from the
    database), and the PDF's text without line breaks."""
    with notice.file.open("rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)
    flat = text.replace("\n", "").replace(" ", "")
    found = TOKEN_URL.search(flat)
    assert found, flat[-400:]
    return found.group(1), found.group(2)


def _status(path: str) -> str:
    page = Client().get(path)
    assert page.status_code == 200
    return re.search(r'data-status="(\w+)"', page.content.decode()).group(1)


def test_black_list_notices_carry_a_token_link_that_anyone_can_verify(
        acme, clerk, reviewer, make_record):
    entry = to_in_force(clerk=clerk, reviewer=reviewer, subject=acme, make_record=make_record,
                        on=START)
    notices = {n.kind: n for n in NoticeDocument.objects.filter(black_entry=entry)}
    assert set(notices) == {NoticeDocument.Kind.INTENT, NoticeDocument.Kind.ANNOUNCEMENT}
    for notice, kind in ((notices["intent"], DocumentKind.BLACK_NOTICE),
                         (notices["announcement"], DocumentKind.BLACK_DECISION)):
        path, token = _link(notice)
        document = VerifiableDocument.objects.get(token=token)
        assert (document.kind, document.object_id, document.subject) == (kind, notice.pk, acme)
        assert len(token) >= 32 and str(notice.pk) != token
        # the stored checksum is that of the PDF with the link in it
        assert notice.sha256 and notice.size == notice.file.size
        assert AuditEvent.objects.filter(action=f"portal.{kind}_issued",
                                         target_id=str(document.pk)).exists()
        with clock.frozen_at(entry.effective_from):
            page = Client().get(path)
        html = page.content.decode()
        assert page.status_code == 200 and 'data-status="valid"' in html
        assert acme.name in html and str(notice.get_kind_display()) in html
        assert "以虚假材料取得资质" not in html  # the facts stay in the notice, not on the page
    assert "住建信〔2026〕1号" in Client().get(_link(notices["announcement"])[0]).content.decode()
    # a made-up token is not found
    assert Client().get("/public/verify/" + "A" * 32 + "/").status_code == 404


def test_a_notice_expires_with_its_entry_as_of_today(acme, clerk, reviewer, make_record):
    entry = to_in_force(clerk=clerk, reviewer=reviewer, subject=acme, make_record=make_record,
                        on=START)
    path, _token = _link(NoticeDocument.objects.get(black_entry=entry, kind="announcement"))
    with clock.frozen_at(entry.effective_until):
        assert _status(path) == "valid"
    # the day after its management period the notice no longer stands, before the nightly job
    # has moved the entry
    with clock.frozen_at(entry.effective_until + dt.timedelta(days=1)):
        assert refreshed(entry).state == BlackState.IN_FORCE
        assert _status(path) == "expired"


def test_an_objection_suspends_and_an_upheld_one_lifts_the_notice(
        acme, clerk, reviewer, make_record):
    entry = to_in_force(clerk=clerk, reviewer=reviewer, subject=acme, make_record=make_record,
                        on=START)
    path, _token = _link(NoticeDocument.objects.get(black_entry=entry, kind="announcement"))
    day = entry.effective_from + dt.timedelta(days=3)
    with clock.frozen_at(day):
        objection = list_services.objection_file(actor=clerk, entry=entry, objector=acme.name,
                                                 grounds="所依据的记录有误。")
        assert _status(path) == "suspended"
        list_services.objection_decide(actor=reviewer, objection=objection, upheld=True,
                                       reply="经核查，异议成立。")
        assert refreshed(entry).state == BlackState.VOID
        assert _status(path) == "revoked"
        html = Client().get(path).content.decode()
    assert "data-status=\"valid\"" not in html


def test_sanction_notice_and_decision_are_verifiable_until_revoked(acme, clerk, reviewer):
    with clock.frozen_at(START):
        sanction = list_services.sanction_propose(
            actor=clerk, subject=acme, kind="condemnation", scope="public",
            grounds="多次违规收费。", legal_basis="《物业管理条例》",
            document_number="物协惩〔2026〕7号", occurred_on=START)
        sanction = list_services.sanction_notify(actor=reviewer, sanction=sanction)
        sanction = list_services.sanction_record_statement(actor=reviewer, sanction=sanction,
                                                           statement="", final=True)
        sanction = list_services.sanction_decide(actor=reviewer, sanction=sanction)
        notice_path, _ = _link(NoticeDocument.objects.get(sanction=sanction,
                                                          kind="sanction_notice"))
        decision_path, token = _link(NoticeDocument.objects.get(sanction=sanction,
                                                                kind="sanction_decision"))
        assert VerifiableDocument.objects.get(token=token).kind == DocumentKind.SANCTION_DECISION
        assert _status(notice_path) == "valid" and _status(decision_path) == "valid"
        list_services.sanction_revoke(actor=reviewer, sanction=sanction, reason="复议撤销")
        assert _status(notice_path) == "revoked" and _status(decision_path) == "revoked"


def test_the_red_list_announcement_is_verifiable_and_lifted_by_an_upheld_objection(
        acme, clerk, reviewer):
    with clock.frozen_at(START):
        entry = list_services.red_nominate(actor=clerk, subject=acme, reasons="连续三年守信经营。")
        entry = list_services.red_review(actor=reviewer, entry=entry, admit=True)
        notice = NoticeDocument.objects.get(red_entry=entry, kind="red_announcement")
        path, token = _link(notice)
        assert VerifiableDocument.objects.get(token=token).kind == DocumentKind.RED_DECISION
        assert _status(path) == "valid"
        objection = list_services.objection_file(actor=clerk, entry=entry, objector="匿名群众",
                                                 grounds="该企业存在未公开的违法行为。")
        assert _status(path) == "suspended"
        list_services.objection_decide(actor=reviewer, objection=objection, upheld=True,
                                       reply="经核查，异议成立。")
        assert _status(path) == "revoked"
