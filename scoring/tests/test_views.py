"""Workbench pages, the subject-page template tag and the API door."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from ninja.testing import TestClient

from common import clock
from scoring import engine
from scoring.api import router
from scoring.models import ModelStatus, ScoringModel

from .test_language import MINIMAL

AS_OF = dt.date(2026, 6, 30)


@pytest.fixture
def graded_subject(shipped, make_subject, make_record):
    subject = make_subject("property_service", established_on=dt.date(2015, 1, 1),
                           name="示范物业")
    make_record(subject, "commendation_national", decided_on=dt.date(2026, 1, 15))
    make_record(subject, "penalty_warning", decided_on=dt.date(2026, 2, 1))
    engine.regrade(model=shipped["property_service"], as_of=AS_OF)
    return subject


def test_model_pages_upload_edit_publish(client, record_types, reviewer, second_reviewer):
    client.force_login(reviewer)
    assert client.get(reverse("scoring:models")).status_code == 200
    bad = client.post(reverse("scoring:model_upload"),
                      {"source": MINIMAL.replace("cap = 20", "cap = -2")})
    assert bad.status_code == 422
    assert "第12行 item[1].cap：必须是非负数" in bad.content.decode()   # zh-hans by default
    response = client.post(reverse("scoring:model_upload"), {"source": MINIMAL})
    model = ScoringModel.objects.get(code="t")
    assert response.status_code == 302 and response["Location"] == reverse(
        "scoring:model_detail", args=[model.pk])
    page = client.get(reverse("scoring:model_detail", args=[model.pk])).content.decode()
    assert 'data-testid="publish"' not in page          # the uploader may not publish
    edit = client.post(reverse("scoring:model_edit", args=[model.pk]),
                       {"source": MINIMAL.replace('name = "test"', 'name = "新名称"')})
    assert edit.status_code == 302
    client.post(reverse("scoring:model_publish", args=[model.pk]))
    model.refresh_from_db()
    assert model.status == ModelStatus.DRAFT
    client.force_login(second_reviewer)
    page = client.get(reverse("scoring:model_detail", args=[model.pk])).content.decode()
    assert 'data-testid="publish"' in page and "≥ 60.00" in page
    client.post(reverse("scoring:model_publish", args=[model.pk]))
    model.refresh_from_db()
    assert (model.status, model.name) == (ModelStatus.PUBLISHED, "新名称")


def test_clerks_may_read_but_not_manage(client, record_types, clerk):
    client.force_login(clerk)
    assert client.get(reverse("scoring:models")).status_code == 200
    assert client.get(reverse("scoring:model_upload")).status_code == 403
    assert client.post(reverse("scoring:regrade"), {}).status_code == 403


def test_what_if_page(client, graded_subject, shipped, reviewer, make_subject):
    make_subject("property_service", established_on=dt.date(2024, 1, 1))   # 77 → A
    source = shipped["property_service"].source.replace('name = "AA"\nmin = 80',
                                                        'name = "AA"\nmin = 76')
    client.force_login(reviewer)
    client.post(reverse("scoring:model_upload"), {"source": source})
    draft = ScoringModel.objects.get(code="property-composite", version=2)
    page = client.get(reverse("scoring:what_if", args=[draft.pk]),
                      {"as_of": AS_OF.isoformat(), "run": "1"})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="what-if-result"' in html
    assert html.count('data-testid="change"') == 2    # 78 A → AA and 77 A → AA


def test_batch_pages_and_regrade(client, graded_subject, reviewer):
    """The button queues a background job and shows its progress page at once; the worker
    (here: `common.jobs.execute`, what the worker calls) computes and switches the batch."""
    from common import jobs
    from common.models import JobRun

    client.force_login(reviewer)
    with clock.frozen_at(AS_OF):
        response = client.post(reverse("scoring:regrade"),
                               {"as_of": "2027-06-30", "category": "property_service"})
    run = JobRun.objects.get(job="scoring.full_regrade")
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[run.pk])
    assert run.status == "queued"
    progress = client.get(response.url).content.decode()
    assert 'data-testid="job-progress"' in progress and "job_progress.js" in progress
    with clock.frozen_at(AS_OF):
        assert jobs.execute(run.pk) == "succeeded"
    status = client.get(reverse("jobs:status", args=[run.pk])).json()
    assert status["finished"] and status["progress"] == 100 and status["rows"] >= 1
    page = client.get(reverse("scoring:batches")).content.decode()
    assert "property-composite:1" in page
    from scoring.models import EvaluationBatch

    latest = EvaluationBatch.objects.latest("id")
    detail = client.get(reverse("scoring:batch_detail", args=[latest.pk])).content.decode()
    assert 'data-testid="distribution"' in detail and 'data-testid="matrix"' in detail


def test_subject_evaluation_tag(graded_subject):
    html = Template("{% load scoring_tags %}{% subject_evaluation subject %}").render(
        Context({"subject": graded_subject}))
    assert 'data-testid="grade">AAA<' not in html   # 80 + 3 - 5 = 78 → A
    assert 'data-testid="grade">A<' in html and 'data-testid="score">78.00<' in html
    assert 'data-testid="contributions"' in html and 'data-testid="grade-history"' in html


def test_subject_evaluation_tag_when_ungraded(shipped, make_subject):
    html = Template("{% load scoring_tags %}{% subject_evaluation subject %}").render(
        Context({"subject": make_subject("brokerage")}))
    assert 'data-testid="grade"' not in html


def test_api_evaluation(graded_subject, admin_user, shipped, make_subject):
    from accounts.api_tokens import token_issue

    _token, plaintext = token_issue(actor=admin_user, department=admin_user.department,
                                    name="评价接口", scopes=["subjects:read"])
    _other, records_only = token_issue(actor=admin_user, department=admin_user.department,
                                       name="档案接口", scopes=["records:read"])
    client = TestClient(router)
    url = f"/subjects/{graded_subject.code}/evaluation"
    assert client.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
    with pytest.raises(Exception, match="subjects:read"):   # the API app turns it into a 403
        client.get(url, headers={"Authorization": f"Bearer {records_only}"})
    response = client.get(url, headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 200
    body = response.json()
    assert (body["grade"], body["score"], body["model"]["code"]) == (
        "A", "78.00", "property-composite")
    assert body["as_of"] == "2026-06-30" and body["matches_stored"]
    names = [(c["rule_name"], c["points"]) for c in body["contributions"]]
    assert names == [("基础信息（在系统中登记且信息完整）", "75.00"), ("经营年限", "5.00"),
                     ("表彰奖励", "3.00"), ("一般失信行为", "-5.00")]
    assert body["total"] == body["score"]
    ungraded = make_subject("brokerage")
    response = client.get(f"/subjects/{ungraded.code}/evaluation",
                          headers={"Authorization": f"Bearer {plaintext}"})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_graded"


def test_a_heading_does_not_repeat_itself_in_chinese(client, record_types, clerk):
    """"评价模型 评价模型": the Chinese term beside the heading is for the English page only."""
    client.force_login(clerk)
    chinese = client.get(reverse("scoring:models"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "<small" not in chinese.content.decode().split("<h1>", 1)[1].split("</h1>")[0]
    client.cookies["django_language"] = "en"
    language = translation.get_language()
    try:  # the locale middleware activates the request's language in this thread too
        english = client.get(reverse("scoring:models")).content.decode()
    finally:
        translation.activate(language)
    assert '<h1>Scoring models <small lang="zh-Hans">评价模型</small></h1>' in english
