"""The licence decision recorded with the feedback on a check of a licence matter: required
there, validated like a form entry (Chinese errors), corrected as a new version, revoked with a
reason, every write audited; the feedback page's form and the correction and revocation forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from approvals.models import CreditCheck, LicenceDecision, LicenceState
from approvals.services import credit_check, feedback_record, licence_correct, licence_revoke
from audit.models import AuditEvent
from common import clock
from common.errors import Conflict, PermissionDeniedError, ValidationFailed

from .conftest import MONDAY

pytestmark = pytest.mark.django_db
PRESALE = "presale_permit"
DAY_AFTER = MONDAY + dt.timedelta(days=1)


def granted(**overrides: Any) -> dict[str, Any]:
    facts = {"outcome": "granted", "document_number": "县住建许〔2026〕12号",
             "decided_on": DAY_AFTER, "valid_from": DAY_AFTER,
             "valid_until": dt.date(2027, 3, 2), "category": "ordinary",
             "content": "商品房预售许可：1号楼", "certificate_name": "商品房预售许可证",
             "certificate_number": "预售2026-012"}
    return {**facts, **overrides}


def all_applied(check: CreditCheck) -> dict[str, tuple[bool, str]]:
    return {code: (True, "") for code in check.measures.values_list("code", flat=True)}


@pytest.fixture
def licence_checks(graded, make_subject, window_officer) -> tuple[CreditCheck, CreditCheck]:
    """Two checks on MONDAY by the lead department's officer: a developer applying for a
    presale permit (a licence matter), a property-service company filing (not a licence)."""
    developer = make_subject("福州示范房地产开发有限公司", category="developer")
    service = make_subject("福州示范物业服务有限公司")
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        presale = credit_check(actor=window_officer, code_or_name=developer.code,
                               matter_code=PRESALE)
        filing = credit_check(actor=window_officer, code_or_name=service.code,
                              matter_code="property_service_filing")
    assert presale.measures.exists() and filing.measures.exists()
    return presale, filing


def test_licence_decision_is_recorded_with_the_feedback(licence_checks, window_officer):
    presale, filing = licence_checks
    with clock.frozen_at(DAY_AFTER):
        with pytest.raises(ValidationFailed) as exc:
            feedback_record(actor=window_officer, credit_check=presale,
                            decisions=all_applied(presale))
        assert exc.value.code == "licence_required"
        with pytest.raises(ValidationFailed) as exc:
            feedback_record(actor=window_officer, credit_check=filing,
                            decisions=all_applied(filing), licence=granted())
        assert exc.value.code == "not_a_licence"
        feedback_record(actor=window_officer, credit_check=presale,
                        decisions=all_applied(presale), licence=granted())
    decision = LicenceDecision.objects.get()
    assert (decision.credit_check, decision.version, decision.state) == (
        presale, 1, LicenceState.IN_FORCE)
    assert decision.valid_until == dt.date(2027, 3, 2) and decision.recorded_by == window_officer
    event = AuditEvent.objects.get(action="approvals.feedback")
    assert event.after["licence"]["document_number"] == "县住建许〔2026〕12号"
    assert event.after["licence"]["decided_on"] == DAY_AFTER.isoformat()


@pytest.mark.parametrize(("facts", "code", "field"), [
    (granted(outcome=""), "required", "outcome"),
    (granted(document_number=""), "required", "document_number"),
    (granted(document_number="县住建许第号"), "bad_document_number", "document_number"),
    (granted(decided_on=None), "required", "decided_on"),
    (granted(decided_on=MONDAY + dt.timedelta(days=5)), "future_date", "decided_on"),
    (granted(decided_on=MONDAY - dt.timedelta(days=1),
             valid_from=MONDAY), "decided_before_check", "decided_on"),
    (granted(valid_from=None), "required", "valid_from"),
    (granted(valid_from=MONDAY, decided_on=DAY_AFTER), "valid_before_decision", "valid_from"),
    (granted(valid_until=dt.date(2026, 3, 1)), "validity_order", "valid_until"),
    (granted(category=""), "required", "category"),
    (granted(content=" "), "required", "content"),
    (granted(certificate_number="9" * 101), "too_long", "certificate_number"),
    (granted(outcome="refused"), "validity_of_refusal", "valid_from"),
])
def test_licence_decision_is_validated_like_a_form_entry(licence_checks, window_officer,
                                                         facts, code, field):
    presale, _filing = licence_checks
    with clock.frozen_at(MONDAY + dt.timedelta(days=2)), translation.override("zh-hans"):
        with pytest.raises(ValidationFailed) as exc:
            feedback_record(actor=window_officer, credit_check=presale,
                            decisions=all_applied(presale), licence=facts)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert any("\u4e00" <= c <= "\u9fff" for c in str(exc.value.message))  # said in Chinese
    presale.refresh_from_db()
    assert presale.feedback_at is None and not LicenceDecision.objects.exists()


def test_a_refusal_is_kept_without_validity(licence_checks, window_officer):
    presale, _filing = licence_checks
    with clock.frozen_at(DAY_AFTER):
        feedback_record(actor=window_officer, credit_check=presale,
                        decisions=all_applied(presale),
                        licence=granted(outcome="refused", valid_from=None, valid_until=None,
                                        category="", document_number="县住建不许〔2026〕3号"))
    assert LicenceDecision.objects.get().outcome == "refused"


def test_correction_is_a_new_version_and_revocation_keeps_the_reason(
        licence_checks, window_officer, clerk, make_subject):
    presale, _filing = licence_checks
    with clock.frozen_at(DAY_AFTER):
        feedback_record(actor=window_officer, credit_check=presale,
                        decisions=all_applied(presale), licence=granted())
        first = LicenceDecision.objects.get()
        with pytest.raises(ValidationFailed) as exc:
            licence_correct(actor=window_officer, decision=first, reason="",
                            valid_until=dt.date(2028, 3, 2))
        assert exc.value.field == "reason"
        with pytest.raises(ValidationFailed) as exc:
            licence_correct(actor=window_officer, decision=first, reason="无变化")
        assert exc.value.code == "no_change"
        with pytest.raises(ValidationFailed) as exc:
            licence_correct(actor=window_officer, decision=first, reason="改为不予许可",
                            outcome="refused")
        assert exc.value.code == "outcome_changed"
        with pytest.raises(ValidationFailed) as exc:
            licence_correct(actor=window_officer, decision=first, reason="有效期有误",
                            valid_until=dt.date(2026, 1, 1))
        assert exc.value.code == "validity_order"
        with pytest.raises(PermissionDeniedError):
            licence_correct(actor=clerk, decision=first, reason="有效期有误",
                            valid_until=dt.date(2028, 3, 2))
        second = licence_correct(actor=window_officer, decision=first, reason="有效期有误",
                                 valid_until=dt.date(2028, 3, 2))
        first.refresh_from_db()
        assert first.state == LicenceState.SUPERSEDED and second.supersedes == first
        assert (second.version, second.valid_until, second.reason) == (
            2, dt.date(2028, 3, 2), "有效期有误")
        with pytest.raises(Conflict):
            licence_revoke(actor=window_officer, decision=first, reason="复议撤销")
        with pytest.raises(ValidationFailed):
            licence_revoke(actor=window_officer, decision=second, reason=" ")
        revoked = licence_revoke(actor=window_officer, decision=second, reason="复议撤销")
    assert revoked.state == LicenceState.REVOKED and revoked.revocation_reason == "复议撤销"
    events = {e.action: e for e in AuditEvent.objects.filter(action__startswith="approvals.lic")}
    assert events["approvals.licence_correct"].before["valid_until"] == "2027-03-02"
    assert events["approvals.licence_correct"].after["reason"] == "有效期有误"
    assert events["approvals.licence_revoke"].after["reason"] == "复议撤销"


def test_document_number_belongs_to_one_check_of_a_department(graded, make_subject,
                                                              window_officer):
    first = make_subject("福州甲房地产开发有限公司", category="developer")
    second = make_subject("福州乙房地产开发有限公司", category="developer")
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        checks = [credit_check(actor=window_officer, code_or_name=s.code, matter_code=PRESALE)
                  for s in (first, second)]
    with clock.frozen_at(DAY_AFTER):
        feedback_record(actor=window_officer, credit_check=checks[0],
                        decisions=all_applied(checks[0]), licence=granted())
        with pytest.raises(ValidationFailed) as exc:
            feedback_record(actor=window_officer, credit_check=checks[1],
                            decisions=all_applied(checks[1]), licence=granted())
    assert exc.value.code == "duplicate_document_number"


def _form(check: CreditCheck, **licence: str) -> dict[str, str]:
    data = {f"applied_{c}": "yes" for c in check.measures.values_list("code", flat=True)}
    data.update({"outcome": "granted", "document_number": "县住建许〔2026〕12号",
                 "decided_on": "2026/3/3", "valid_from": "2026年3月3日",
                 "valid_until": "2027-03-02", "category": "ordinary",
                 "content": "商品房预售许可：1号楼"})
    data.update(licence)
    return data


def test_feedback_page_takes_the_licence_decision(licence_checks, window_officer):
    presale, filing = licence_checks
    client = Client()
    client.force_login(window_officer)
    with clock.frozen_at(DAY_AFTER), translation.override("zh-hans"):
        page = client.get(f"/approvals/checks/{presale.number}/").content.decode()
        assert 'data-testid="licence-fields"' in page and "许可文书号" in page
        assert 'data-testid="licence-fields"' not in client.get(
            f"/approvals/checks/{filing.number}/").content.decode()
        url = f"/approvals/checks/{presale.number}/feedback/"
        bad = client.post(url, _form(presale, decided_on="2026-02-30"))
        assert bad.status_code == 400 and "2026-12-02" in bad.content.decode()
        order = client.post(url, _form(presale, valid_until="2026-03-02"))
        assert order.status_code == 422
        assert "有效期" in order.content.decode() or "生效" in order.content.decode()
        assert not LicenceDecision.objects.exists()
        done = client.post(url, _form(presale))
        assert done.status_code == 302
        decision = LicenceDecision.objects.get()
        assert decision.decided_on == decision.valid_from == DAY_AFTER
        page = client.get(f"/approvals/checks/{presale.number}/").content.decode()
        assert 'data-testid="licence-correct-form"' in page
        correct = client.post(f"/approvals/checks/{presale.number}/licence/correct/", {
            **_form(presale, valid_until="2028-03-02"), "reason": "有效期有误"})
        assert correct.status_code == 302
        revoke = client.post(f"/approvals/checks/{presale.number}/licence/revoke/",
                             {"reason": ""})
        assert revoke.status_code == 400
        revoke = client.post(f"/approvals/checks/{presale.number}/licence/revoke/",
                             {"reason": "复议撤销"})
        assert revoke.status_code == 302
    states = list(LicenceDecision.objects.order_by("version").values_list("state", flat=True))
    assert states == [LicenceState.SUPERSEDED, LicenceState.REVOKED]
