"""Subject pages: search, registration with the exact refusal under the field, the live code
check, the archive page, audited unmasking and code confirmation, editing with name history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from accounts.models import User
from audit.models import AuditEvent
from common import clock
from common.errors import ServiceError
from subjects import services
from subjects.identifiers import uscc_check_char, validate_subject_code
from subjects.models import Category, Subject, SubjectName

VALID = "91350100M000100Y43"
INVALID = "91350100M000100Y4Z"
ID_NUMBER = "11010519491231002X"


def expected_message(code: str, kind: str = "enterprise", language: str = "zh-hans") -> str:
    """The service's own refusal, in the language the page is rendered in."""
    with translation.override(language):
        with pytest.raises(ServiceError) as info:
            validate_subject_code(code, kind=kind)
        return str(info.value.message)


def code_with_org_warning() -> str:
    """A USCC whose own check character is right but whose embedded organisation code is not."""
    first17 = "91350100M000100Y5"
    return first17 + uscc_check_char(first17)


@pytest.fixture
def enterprise(clerk: User) -> Subject:
    return services.subject_create(actor=clerk, kind="enterprise", code=VALID,
                                   name="福州市示范物业服务有限公司",
                                   category=Category.PROPERTY_SERVICE)


@pytest.fixture
def person(clerk: User) -> Subject:
    return services.subject_create(actor=clerk, kind="individual", code=ID_NUMBER,
                                   name="张三", category=Category.PRACTITIONER)


def form_data(**overrides: str) -> dict[str, str]:
    data = {"kind": "enterprise", "code": VALID, "name": "福州市示范物业服务有限公司",
            "category": Category.PROPERTY_SERVICE}
    data.update(overrides)
    return data


def test_register_enterprise(client: Client, clerk: User):
    client.force_login(clerk)
    assert client.get(reverse("subjects:create")).status_code == 200
    response = client.post(reverse("subjects:create"), form_data())
    subject = Subject.objects.get(code=VALID)
    assert response.status_code == 302
    assert response["Location"] == reverse("subjects:detail", kwargs={"pk": subject.pk})
    assert AuditEvent.objects.filter(action="subject.create", target_id=str(subject.pk)).exists()


def test_invalid_code_shows_exact_reason_and_creates_nothing(client: Client, clerk: User):
    client.force_login(clerk)
    subjects, events = Subject.objects.count(), AuditEvent.objects.count()
    response = client.post(reverse("subjects:create"), form_data(code=INVALID))
    assert response.status_code == 422
    body = response.content.decode()
    reason = expected_message(INVALID)
    assert reason == "第18位校验码应为3，而不是Z，请检查是否录入有误。"
    assert escape(reason) in body
    # Shown under the code field, not only at the top of the form.
    error_block = body.split('data-field-error="code"', 1)[1].split("</div>", 1)[0]
    assert escape(reason) in error_block
    assert Subject.objects.count() == subjects
    assert AuditEvent.objects.count() == events


def test_wrong_check_character_names_the_expected_one(client: Client, clerk: User):
    client.force_login(clerk)
    response = client.post(reverse("subjects:create"), form_data(code=VALID[:17] + "4"))
    assert response.status_code == 422
    assert escape(expected_message(VALID[:17] + "4")) in response.content.decode()
    assert "第18位校验码应为3，而不是4，请检查是否录入有误。" in response.content.decode()
    assert not Subject.objects.exists()


def test_duplicate_subject_is_a_conflict(client: Client, clerk: User, enterprise: Subject):
    client.force_login(clerk)
    response = client.post(reverse("subjects:create"), form_data(name="另一家公司"))
    assert response.status_code == 409
    assert VALID in response.content.decode()
    assert Subject.objects.count() == 1


def test_leader_may_not_register(client: Client, leader: User):
    client.force_login(leader)
    assert client.get(reverse("subjects:create")).status_code == 403
    assert client.post(reverse("subjects:create"), form_data()).status_code == 403
    assert not Subject.objects.exists()


def test_check_code_answers_with_service_wording(client: Client, clerk: User):
    client.force_login(clerk)
    url = reverse("subjects:check_code")
    ok = client.get(url, {"code": VALID.lower(), "kind": "enterprise"}).json()
    assert ok == {"ok": True, "code": VALID, "message": "", "warnings": []}
    bad = client.post(url, {"code": INVALID, "kind": "enterprise"}).json()
    assert bad["ok"] is False
    assert bad["message"] == expected_message(INVALID)
    assert bad["message"] == "第18位校验码应为3，而不是Z，请检查是否录入有误。"
    warned = client.post(url, {"code": code_with_org_warning(), "kind": "enterprise"}).json()
    assert warned["ok"] is True and len(warned["warnings"]) == 1
    assert warned["warnings"][0] == (
        "代码中的组织机构代码M000100Y5未通过GB 11714校验（第17位应为4），须由审核员确认该代码。")
    person = client.post(url, {"code": ID_NUMBER[:-1] + "1", "kind": "individual"}).json()
    assert person["message"] == expected_message(ID_NUMBER[:-1] + "1", kind="individual")
    assert person["message"] == "第18位校验码应为X，而不是1，请检查是否录入有误。"


def test_check_code_reports_already_registered(client: Client, clerk: User, enterprise: Subject):
    client.force_login(clerk)
    answer = client.post(reverse("subjects:check_code"),
                         {"code": VALID, "kind": "enterprise"}).json()
    assert answer["ok"] is False and VALID in answer["message"]
    assert answer["message"] == f"代码为{VALID}的信用主体已登记，不能重复登记。"


def test_search_by_name_former_name_and_code(client: Client, clerk: User, enterprise: Subject):
    with clock.frozen_at(dt.date.today()):
        services.subject_update(actor=clerk, subject=enterprise, name="福州新名称物业有限公司")
    client.force_login(clerk)
    url = reverse("subjects:list")
    for q in ("新名称", "示范物业", VALID):
        body = client.get(url, {"q": q}).content.decode()
        assert "福州新名称物业有限公司" in body, q
    assert "福州新名称物业有限公司" not in client.get(
        url, {"q": "新名称", "category": Category.BROKERAGE}).content.decode()
    assert client.get(url).status_code == 200


def test_search_by_id_number_by_post_finds_masked(client: Client, reviewer: User, person: Subject):
    client.force_login(reviewer)
    body = client.post(reverse("subjects:list"), {"q": ID_NUMBER}).content.decode()
    assert "张三" in body
    assert ID_NUMBER not in body
    assert person.display_code in body


def test_subject_page_masks_id_and_url_has_no_number(client: Client, clerk: User,
                                                     person: Subject):
    client.force_login(clerk)
    url = reverse("subjects:detail", kwargs={"pk": person.pk})
    assert ID_NUMBER not in url
    body = client.get(url).content.decode()
    assert ID_NUMBER not in body
    assert person.display_code in body
    assert 'data-testid="reveal"' not in body  # a clerk is not offered the button


def test_reveal_refused_for_clerk_and_not_audited(client: Client, clerk: User, person: Subject):
    client.force_login(clerk)
    response = client.post(reverse("subjects:reveal", kwargs={"pk": person.pk}))
    assert response.status_code == 403
    assert ID_NUMBER not in response.content.decode()
    assert not AuditEvent.objects.filter(action="subject.unmask").exists()


def test_reveal_shows_number_and_is_audited(client: Client, reviewer: User, person: Subject):
    client.force_login(reviewer)
    page = client.get(reverse("subjects:detail", kwargs={"pk": person.pk})).content.decode()
    assert 'data-testid="reveal"' in page
    assert client.get(reverse("subjects:reveal", kwargs={"pk": person.pk})).status_code == 405
    response = client.post(reverse("subjects:reveal", kwargs={"pk": person.pk}),
                           {"purpose": "核查"})
    assert response.status_code == 200
    assert ID_NUMBER in response.content.decode()
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="subject.unmask")
    assert event.actor_id == reviewer.pk and event.target_id == str(person.pk)
    assert event.after == {"purpose": "核查", "fields": ["code"]}


def test_code_warning_confirmed_by_reviewer_only(client: Client, clerk: User, reviewer: User):
    subject = services.subject_create(actor=clerk, kind="enterprise",
                                      code=code_with_org_warning(), name="待确认公司",
                                      category=Category.BROKERAGE)
    assert subject.needs_code_confirmation
    url = reverse("subjects:confirm_code", kwargs={"pk": subject.pk})
    client.force_login(clerk)
    assert 'data-testid="code-warning"' in client.get(
        reverse("subjects:detail", kwargs={"pk": subject.pk})).content.decode()
    assert client.post(url).status_code == 403
    client.force_login(reviewer)
    assert client.post(url).status_code == 302
    subject.refresh_from_db()
    assert subject.code_confirmed_by == reviewer
    again = client.post(url)
    assert again.status_code == 409
    assert AuditEvent.objects.filter(action="subject.confirm_code").count() == 1


def test_edit_name_keeps_history(client: Client, clerk: User, enterprise: Subject):
    client.force_login(clerk)
    url = reverse("subjects:edit", kwargs={"pk": enterprise.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "福州新名称物业有限公司",
                                 "category": Category.PROPERTY_SERVICE, "status": "active"})
    assert response.status_code == 302
    enterprise.refresh_from_db()
    assert enterprise.name == "福州新名称物业有限公司"
    assert SubjectName.objects.filter(subject=enterprise).count() == 2
    body = client.get(reverse("subjects:detail", kwargs={"pk": enterprise.pk})).content.decode()
    assert "福州市示范物业服务有限公司" in body  # former name on the archive page


def test_edit_refuses_blank_name_with_service_message(client: Client, clerk: User,
                                                      enterprise: Subject):
    client.force_login(clerk)
    response = client.post(reverse("subjects:edit", kwargs={"pk": enterprise.pk}),
                           {"name": " ", "category": Category.PROPERTY_SERVICE,
                            "status": "active"})
    assert response.status_code in (400, 422)
    # The form's own required check answers before the service is asked (Django's wording).
    assert "这个字段是必填项。" in response.content.decode().split('data-field-error="name"', 1)[1]
    enterprise.refresh_from_db()
    assert enterprise.name == "福州市示范物业服务有限公司"


@pytest.fixture
def restores_language():
    """The locale middleware activates each request's language in the test's thread too."""
    language = translation.get_language()
    yield
    translation.activate(language)


def test_subject_pages_speak_chinese_by_default(client: Client, clerk: User,
                                                enterprise: Subject):
    client.force_login(clerk)
    listing = client.get(reverse("subjects:list")).content.decode()
    assert "<h1>信用主体</h1>" in listing and "登记信用主体" in listing
    for label in ("房地产开发企业", "物业服务企业", "房地产经纪机构", "住房租赁企业",
                  "建筑施工企业", "从业人员"):
        assert label in listing
    detail = client.get(reverse("subjects:detail", kwargs={"pk": enterprise.pk}))
    body = detail.content.decode()
    assert "企业 · 物业服务企业" in body and "正常" in body
    assert "法定代表人" in body and "曾用名" in body and "新增信用记录" in body
    refused = client.post(reverse("subjects:create"), form_data(code=INVALID, name="另一家"))
    body = refused.content.decode()
    assert "请更正下方标出的填写项。" in body
    assert "第18位校验码应为3，而不是Z，请检查是否录入有误。" in body
    assert "The check character" not in body


def test_subject_pages_in_english_after_switching(client: Client, clerk: User,
                                                  enterprise: Subject, restores_language):
    client.force_login(clerk)
    response = client.post(reverse("set_language"),
                           {"language": "en", "next": reverse("subjects:list")})
    assert response.status_code == 302
    listing = client.get(reverse("subjects:list")).content.decode()
    assert "<h1>Subjects</h1>" in listing and "Property-service company" in listing
    assert "物业服务企业" not in listing
    refused = client.post(reverse("subjects:create"), form_data(code=INVALID, name="另一家"))
    assert refused.status_code == 422
    body = refused.content.decode()
    reason = "The check character (18th) should be 3, not Z: the code was probably mistyped."
    assert expected_message(INVALID, language="en") == reason
    assert escape(reason) in body.split('data-field-error="code"', 1)[1]
    assert "第18位校验码" not in body
