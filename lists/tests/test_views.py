"""Workbench pages: pending steps with days left and overdue ones in red, a black-list case
walked through its action forms, refusals shown on the page, the subject-page fragment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.urls import reverse

from common import clock
from lists.models import BlackListEntry, BlacklistGround, BlackState
from lists.tests.helpers import propose, to_in_force

MONDAY = dt.date(2026, 3, 2)


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client
    return login


def test_pages_render_for_staff(as_user, reviewer, clerk, subject, make_record):
    to_in_force(clerk=clerk, reviewer=reviewer, subject=subject, make_record=make_record,
                on=MONDAY)
    client = as_user(reviewer)
    for name in ("workbench", "black_list", "red_list", "key_list", "sanction_list",
                 "case_list", "black_new", "red_new", "sanction_new", "case_new"):
        response = client.get(reverse(f"lists:{name}"))
        assert response.status_code == 200, name
    response = client.get(reverse("lists:black_list"))
    assert subject.name in response.content.decode()


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("lists:workbench"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_workbench_shows_days_left_and_overdue_in_red(as_user, clerk, reviewer, subject,
                                                      make_record):
    entry = propose(clerk=clerk, subject=subject, make_record=make_record, on=MONDAY)
    from lists import services
    with clock.frozen_at(MONDAY):
        entry = services.black_notify(actor=clerk, entry=entry)
        entry = services.black_record_statement(actor=clerk, entry=entry, statement="",
                                                final=True)
        entry = services.black_begin_review(actor=clerk, entry=entry)  # review due 3/16
    client = as_user(reviewer)
    with clock.frozen_at(dt.date(2026, 3, 12)):
        page = client.get(reverse("lists:workbench")).content.decode()
    assert "2026-03-16" in page and ">4<" in page
    assert 'data-testid="overdue"' not in page
    with clock.frozen_at(dt.date(2026, 3, 19)):
        page = client.get(reverse("lists:workbench")).content.decode()
    assert 'class="overdue"' in page and 'data-testid="overdue"' in page
    assert 'data-testid="overdue-count">1<' in page
    # the proposing clerk's department sees it too; another department does not
    assert subject.name in as_user(clerk).get(reverse("lists:workbench")).content.decode()


def test_walk_a_case_through_the_action_forms(as_user, clerk, reviewer, subject, make_record):
    with clock.frozen_at(MONDAY):
        record = make_record(subject, "fraud")
        client = as_user(clerk)
        url = reverse("lists:black_new")
        picked = client.get(url, {"code": subject.code})
        assert subject.name in picked.content.decode()
        response = client.post(f"{url}?subject={subject.pk}", {
            "ground": BlacklistGround.objects.get(code="fraud").pk,
            "records": [record.pk], "facts": "以虚假材料取得资质。"})
        assert response.status_code == 302
        entry = BlackListEntry.objects.get()

        def act(name, data=None, user=clerk):
            c = as_user(user)
            data = {f"{name}-{k}": v for k, v in (data or {}).items()}
            return c.post(reverse("lists:action", args=["black", entry.pk, name]), data)

        assert act("notify").status_code == 302
        detail = client.get(reverse("lists:black_detail", args=[entry.pk])).content.decode()
        assert 'data-testid="notice-intent"' in detail
        notice = client.get(reverse("lists:notice", args=[entry.notices.get().pk]))
        assert notice["Content-Type"] == "application/pdf"
        assert b"".join(notice.streaming_content).startswith(b"%PDF")
        refused = act("begin_review")
        assert refused.status_code == 409
        assert "2026-03-09" in refused.content.decode()
        assert act("statement", {"statement": "", "final": "on"}).status_code == 302
        assert act("begin_review").status_code == 302
        decision = {"decision_number": "住建信〔2026〕1号", "legal_basis": "241号",
                    "reasons": "属实"}
        assert act("decide", decision, user=clerk).status_code == 403
        missing = act("decide", {"decision_number": "1"}, user=reviewer)
        assert missing.status_code == 422
        assert act("decide", decision, user=reviewer).status_code == 302
        assert act("publish", user=reviewer).status_code == 302
    assert BlackListEntry.objects.get().state == BlackState.PUBLICITY


def test_subject_fragment_tag(clerk, reviewer, subject, make_record):
    to_in_force(clerk=clerk, reviewer=reviewer, subject=subject, make_record=make_record,
                on=MONDAY)
    html = Template("{% load lists_tags %}{% subject_lists subject %}").render(
        Context({"subject": subject}))
    assert 'data-testid="subject-lists"' in html
    assert "data-state=\"in_force\"" in html
    assert "2026-03-10" in html


def test_subject_fragment_for_a_subject_on_no_list(subject):
    html = Template("{% load lists_tags %}{% subject_lists subject %}").render(
        Context({"subject": subject}))
    assert 'data-testid="subject-lists"' in html and "in_force" not in html


def _act(client, kind, pk, name, data=None):
    data = {f"{name}-{k}": v for k, v in (data or {}).items()}
    return client.post(reverse("lists:action", args=[kind, pk, name]), data)


def test_red_list_in_the_workbench_objection_upheld_and_rejected(
        as_user, catalogue, clerk, reviewer, subject, other_subject):
    from lists.models import RedListEntry, RedState
    with clock.frozen_at(MONDAY):
        c = as_user(clerk)
        for s in (subject, other_subject):
            response = c.post(f"{reverse('lists:red_new')}?subject={s.pk}",
                              {"reasons": "连续三年无不良记录"})
            assert response.status_code == 302
        upheld, rejected = RedListEntry.objects.order_by("pk")
        for entry in (upheld, rejected):
            assert _act(as_user(reviewer), "red", entry.pk, "review",
                        {"admit": "yes"}).status_code == 302
            assert _act(as_user(clerk), "red", entry.pk, "objection",
                        {"objector": "群众", "grounds": "有投诉"}).status_code == 302
        r = as_user(reviewer)
        assert _act(r, "red", upheld.pk, "objection_answer",
                    {"upheld": "yes", "reply": "投诉属实"}).status_code == 302
        assert _act(r, "red", rejected.pk, "objection_answer",
                    {"upheld": "no", "reply": "投诉不实"}).status_code == 302
        page = r.get(reverse("lists:red_detail", args=[rejected.pk])).content.decode()
        assert "投诉不实" in page
    assert RedListEntry.objects.get(pk=upheld.pk).state == RedState.VOID
    assert RedListEntry.objects.get(pk=rejected.pk).state == RedState.PUBLICITY


def test_sanction_and_case_in_the_workbench(as_user, catalogue, clerk, reviewer,
                                            second_reviewer, subject):
    with clock.frozen_at(MONDAY):
        c = as_user(clerk)
        response = c.post(f"{reverse('lists:sanction_new')}?subject={subject.pk}", {
            "kind": "criticism", "scope": "public", "grounds": "违规收费",
            "legal_basis": "《物业管理条例》", "document_number": "物惩〔2026〕1号",
            "occurred_on": "2026-02-27"})
        assert response.status_code == 302
        sanction_pk = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
        # the party is heard first: deciding before the notice is refused
        assert _act(as_user(reviewer), "sanction", sanction_pk, "decide").status_code in (
            403, 409)
        assert _act(c, "sanction", sanction_pk, "notify").status_code == 302
        assert _act(c, "sanction", sanction_pk, "statement",
                    {"statement": "", "final": "on"}).status_code == 302
        assert _act(as_user(reviewer), "sanction", sanction_pk, "decide").status_code == 302
        response = as_user(reviewer).post(reverse("lists:case_new"), {
            "title": "违规收费典型案例", "kind": "bad", "body": "案情",
            "subject_codes": subject.code})
        assert response.status_code == 302
        case_pk = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
        assert _act(as_user(reviewer), "case", case_pk, "submit").status_code == 302
        assert _act(as_user(reviewer), "case", case_pk, "publish").status_code == 403
        assert _act(as_user(second_reviewer), "case", case_pk, "publish").status_code == 302
    from lists.models import CaseState, IndustrySanction, SanctionState, TypicalCase
    assert IndustrySanction.objects.get(pk=sanction_pk).state == SanctionState.DECIDED
    assert TypicalCase.objects.get(pk=case_pk).state == CaseState.PUBLISHED


def test_record_repair_page_refuses_before_the_minimum_and_grants_on_it(
        as_user, catalogue, clerk, reviewer, second_reviewer, subject, make_record):
    from lists.models import RepairRequest
    from records.models import CreditRecord, RecordState

    with clock.frozen_at(dt.date(2026, 1, 15)):
        record = make_record(subject, "penalty_fine")
    url = reverse("lists:record_repair", args=[record.pk])
    data = {"step": "request", "request-proof": "罚款已缴清", "request-commitment": "承诺守法"}
    with clock.frozen_at(dt.date(2026, 4, 15)):
        page = as_user(clerk).get(url).content.decode()
        assert "2026-04-16" in page  # shown before anyone applies
        response = as_user(clerk).post(url, data)
        assert response.status_code == 409
        assert "2026-04-16" in response.content.decode()
    with clock.frozen_at(dt.date(2026, 4, 16)):
        assert as_user(clerk).post(url, data).status_code == 302
        board = as_user(reviewer).get(reverse("lists:workbench")).content.decode()
        assert 'data-kind="record_repair"' in board and url in board
        response = as_user(reviewer).post(url, {"step": "decide", "decide-approve": "yes",
                                                "decide-reasons": "已履行"})
        assert response.status_code == 302
    assert RepairRequest.objects.get().state == RepairRequest.State.APPROVED
    assert CreditRecord.objects.get(pk=record.pk).state == RecordState.REPAIRED


@pytest.mark.parametrize("page, new", [("black_list", "black_new"), ("red_list", "red_new"),
                                       ("sanction_list", "sanction_new"),
                                       ("case_list", "case_new")])
def test_propose_button_only_for_those_the_form_lets_in(as_user, reviewer, clerk, leader,
                                                        auditor, window_officer, page, new):
    """Read-only roles and window officers were offered a button that answered 403."""
    href = f'href="{reverse(f"lists:{new}")}"'
    for user in (reviewer, clerk):
        client = as_user(user)
        assert href in client.get(reverse(f"lists:{page}")).content.decode(), user.role
        assert client.get(reverse(f"lists:{new}")).status_code == 200, user.role
    for user in (leader, auditor, window_officer):
        client = as_user(user)
        assert href not in client.get(reverse(f"lists:{page}")).content.decode(), user.role
        assert client.get(reverse(f"lists:{new}")).status_code == 403, user.role


@pytest.mark.parametrize("new", ["black_new", "red_new", "sanction_new"])
def test_propose_page_with_a_malformed_subject_is_not_found(as_user, reviewer, new):
    """`?subject=abc` (a hand-edited link) was a 500; it is a missing subject."""
    client = as_user(reviewer)
    assert client.get(reverse(f"lists:{new}"), {"subject": "abc"}).status_code == 404
    assert client.get(reverse(f"lists:{new}"), {"subject": "99999"}).status_code == 404


def test_record_repair_page_is_the_records_own_audience_and_offers_only_allowed_steps(
        as_user, catalogue, clerk, lead_clerk, reviewer, leader, subject, make_record):
    """Another department's clerk could read any record on its repair page (its own page is a
    404 to them), and leaders were offered the request form, clerks the decision."""
    with clock.frozen_at(dt.date(2026, 1, 15)):
        record = make_record(subject, "penalty_fine")
    assert record.source_department == clerk.department != lead_clerk.department
    url = reverse("lists:record_repair", args=[record.pk])
    link = f'href="{url}"'
    with clock.frozen_at(dt.date(2026, 4, 16)):
        assert as_user(lead_clerk).get(url).status_code == 404
        subject_page = reverse("subjects:detail", args=[subject.pk])
        assert link not in as_user(lead_clerk).get(subject_page).content.decode()
        assert link in as_user(clerk).get(subject_page).content.decode()
        page = as_user(leader).get(url).content.decode()
        assert 'data-testid="repair-request"' not in page
        assert as_user(leader).post(url, {"step": "request", "request-proof": "x",
                                          "request-commitment": "y"}).status_code == 404
        assert 'data-testid="repair-request"' in as_user(clerk).get(url).content.decode()
        assert as_user(clerk).post(url, {"step": "request", "request-proof": "罚款已缴清",
                                         "request-commitment": "承诺守法"}).status_code == 302
        assert 'data-testid="repair-decide"' not in as_user(clerk).get(url).content.decode()
        assert 'data-testid="repair-decide"' in as_user(reviewer).get(url).content.decode()
