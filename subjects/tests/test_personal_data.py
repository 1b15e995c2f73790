"""Personal data on the subject pages: ID number, home address and phone masked for roles that
may not see them, shown in full only through the audited reveal; searching by ID number keeps
the number out of every URL."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from subjects import services
from subjects.masking import mask_address, mask_phone, mask_subject
from subjects.models import Category, Subject

ID_NUMBER = "11010519491231002X"
USCC = "91350100M000100Y43"
PHONE = "13812345678"
HOME = "河南省焦作市解放区幸福小区3号楼2单元501室"
OFFICE = "河南省焦作市山阳区人民路88号"


@pytest.fixture
def person(clerk: User) -> Subject:
    return services.subject_create(actor=clerk, kind="individual", code=ID_NUMBER, name="张三",
                                   category=Category.PRACTITIONER, address=HOME,
                                   contact_phone=PHONE)


@pytest.fixture
def company(clerk: User) -> Subject:
    return services.subject_create(actor=clerk, kind="enterprise", code=USCC, name="示范物业公司",
                                   category=Category.PROPERTY_SERVICE, address=OFFICE,
                                   contact_phone=PHONE)


def test_masks_keep_only_a_hint():
    assert mask_phone(PHONE) == "138****5678"
    assert mask_address(HOME).startswith("河南省焦作市") and "501" not in mask_address(HOME)
    assert mask_address("") == ""


def test_enterprise_address_is_public_its_phone_is_not(company: Subject):
    shown = mask_subject(company)
    assert shown["code"] == USCC and shown["address"] == OFFICE
    assert shown["contact_phone"] == "138****5678"


@pytest.mark.parametrize("who", ["clerk", "leader", "reviewer"])
def test_detail_page_masks_phone_and_address(client: Client, request: pytest.FixtureRequest,
                                             person: Subject, who: str):
    client.force_login(request.getfixturevalue(who))
    body = client.get(reverse("subjects:detail", kwargs={"pk": person.pk})).content.decode()
    assert PHONE not in body and HOME not in body and ID_NUMBER not in body
    assert "138****5678" in body
    assert not AuditEvent.objects.filter(action="subject.unmask").exists()


def test_reveal_shows_phone_and_address_and_audits_the_fields(client: Client, reviewer: User,
                                                              person: Subject):
    client.force_login(reviewer)
    response = client.post(reverse("subjects:reveal", kwargs={"pk": person.pk}),
                           {"purpose": "资质核查"})
    body = response.content.decode()
    assert response.status_code == 200
    assert PHONE in body and HOME in body and ID_NUMBER in body
    event = AuditEvent.objects.get(action="subject.unmask")
    assert event.actor_id == reviewer.pk
    assert event.after == {"purpose": "资质核查", "fields": ["code", "address", "contact_phone"]}


def test_enterprise_phone_reveal_is_audited_and_refused_to_clerks(
        client: Client, reviewer: User, clerk: User, company: Subject):
    url = reverse("subjects:reveal", kwargs={"pk": company.pk})
    client.force_login(clerk)
    assert 'data-testid="reveal"' not in client.get(
        reverse("subjects:detail", kwargs={"pk": company.pk})).content.decode()
    assert client.post(url).status_code == 403
    client.force_login(reviewer)
    assert PHONE in client.post(url, {"purpose": "联系"}).content.decode()
    assert AuditEvent.objects.get(action="subject.unmask").after["fields"] == ["contact_phone"]


def test_clerk_edits_masked_values_without_seeing_or_losing_them(client: Client, clerk: User,
                                                                 person: Subject):
    client.force_login(clerk)
    url = reverse("subjects:edit", kwargs={"pk": person.pk})
    body = client.get(url).content.decode()
    assert PHONE not in body and HOME not in body
    shown = mask_subject(person)
    response = client.post(url, {"name": "张三丰", "category": Category.PRACTITIONER,
                                 "status": "active", "address": shown["address"],
                                 "contact_phone": shown["contact_phone"]})
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.address, person.contact_phone) == ("张三丰", HOME, PHONE)
    client.post(url, {"name": "张三丰", "category": Category.PRACTITIONER, "status": "active",
                      "address": shown["address"], "contact_phone": "13900001111"})
    person.refresh_from_db()
    assert person.contact_phone == "13900001111" and person.address == HOME


@pytest.mark.parametrize("page", ["subjects:list", "home"])
def test_search_forms_post_so_no_number_reaches_a_url(client: Client, clerk: User, page: str):
    client.force_login(clerk)
    body = client.get(reverse(page)).content.decode()
    start = body.index('role="search"')
    form_tag = body[body.rindex("<form", 0, start):start]
    assert 'method="post"' in form_tag


def test_search_by_id_number_without_javascript(client: Client, clerk: User, person: Subject):
    client.force_login(clerk)
    response = client.post(reverse("subjects:list"), {"q": ID_NUMBER})
    body = response.content.decode()
    assert response.status_code == 200
    assert "张三" in body and ID_NUMBER not in body
