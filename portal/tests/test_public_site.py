"""The anonymous public site: every page shows what is public today and nothing else."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from common import clock
from portal.tests.conftest import ACME_PHONE, PERSON_ID, TODAY, uscc

LIST_PAGES = ["portal:black_list", "portal:red_list", "portal:sanction_list",
              "portal:case_list", "portal:plan_list", "portal:result_list"]


def _urls(county) -> list[str]:
    """Every public page for the county, downloads included."""
    from lists.models import TypicalCase
    from scoring.models import ScoringModel

    urls = [reverse("portal:home"), reverse("portal:model_list"),
            reverse("portal:search") + "?q=福州",
            reverse("portal:search") + f"?q={county.acme.code}",
            reverse("portal:search") + "?q=旧名", reverse("portal:search") + f"?q={PERSON_ID}",
            reverse("portal:subject", args=[county.acme.code]),
            reverse("portal:subject", args=[county.goodco.code]),
            reverse("portal:black_detail", args=[county.black.pk]),
            reverse("portal:black_detail", args=[county.person_black.pk]),
            reverse("portal:red_detail", args=[county.red.pk]),
            reverse("portal:plan_detail", args=[county.plan.pk]),
            reverse("portal:plan_detail", args=[county.plan.pk]) + "?format=csv",
            reverse("portal:case_detail", args=[TypicalCase.objects.get().pk])]
    for name in LIST_PAGES:
        urls += [reverse(name), reverse(name) + "?format=csv", reverse(name) + "?format=xlsx",
                 reverse(name) + "?q=福州示例"]
    urls += [reverse("portal:model_detail", args=[m.pk])
             for m in ScoringModel.objects.filter(status="published")]
    return urls


def _text(response) -> str:
    if response["Content-Type"].startswith(
            "application/vnd.openxmlformats-officedocument.spreadsheetml"):
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(str(cell) for sheet in book.worksheets
                         for row in sheet.iter_rows(values_only=True) for cell in row)
    return response.content.decode("utf-8-sig")


def test_every_public_page_shows_the_public_part_and_nothing_else(county):
    client = Client()
    pages = {}
    with clock.frozen_at(TODAY):
        for url in _urls(county):
            response = client.get(url)
            assert response.status_code == 200, url
            text = _text(response)
            for secret in county.secrets:
                assert secret not in text, (url, secret)
            pages[url] = text
    subject_page = pages[reverse("portal:subject", args=[county.acme.code])]
    # the public record with its legal basis and document number; the phone in it masked
    assert "榕住建罚〔2026〕11号" in subject_page
    assert "行政处罚" in subject_page or "处罚" in subject_page
    assert "138****5678" in subject_page and "1101**********4477" in subject_page
    assert "福州旧名物业有限公司" in subject_page and 'data-testid="badge-black"' in subject_page
    assert 'data-testid="public-grade"' in subject_page
    # the black list names the practitioner masked: 王** and 1101**********4477
    black = pages[reverse("portal:black_list")]
    assert county.black.decision_number in black and "王**" in black
    assert "1101**********4477" in black
    black_csv = pages[reverse("portal:black_list") + "?format=csv"]
    rows = list(csv.reader(io.StringIO(black_csv)))
    assert any(county.acme.name in row for row in rows) and any("王**" in r for r in rows)
    assert "物协惩〔2026〕3号" in pages[reverse("portal:sanction_list")]
    assert "榕住建检〔2026〕4号" in pages[reverse("portal:result_list")]
    assert "投诉人电话139****4321" in pages[reverse("portal:case_detail", args=[
        __import__("lists.models", fromlist=["TypicalCase"]).TypicalCase.objects.get().pk])]
    search = pages[reverse("portal:search") + "?q=旧名"]
    assert county.acme.name in search
    assert county.acme.name not in pages[reverse("portal:search") + f"?q={PERSON_ID}"]


def test_the_search_finds_names_former_names_and_codes_but_no_individual(county):
    client = Client()
    with clock.frozen_at(TODAY):
        by_code = client.get(reverse("portal:search"), {"q": county.acme.code.lower()})
        by_person = client.get(reverse("portal:search"), {"q": "王小明"})
    assert county.acme.name in by_code.content.decode()
    # the visitor's own query is echoed in the box, but no individual is ever a result
    assert "/public/subjects/" not in by_person.content.decode()
    assert PERSON_ID not in by_person.content.decode()


def test_a_subject_page_never_tells_who_exists(county):
    client = Client()
    with clock.frozen_at(TODAY):
        answers = [client.get(reverse("portal:subject", args=[code]))
                   for code in [PERSON_ID, uscc(999), "not-a-code", PERSON_ID.lower()]]
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1


def test_entries_disappear_the_day_their_publicity_ends(county):
    client = Client()
    red_url = reverse("portal:red_detail", args=[county.red.pk])
    subject_url = reverse("portal:subject", args=[county.acme.code])
    last = county.red.effective_until
    with clock.frozen_at(last):
        assert client.get(red_url).status_code == 200
        assert county.goodco.name in client.get(reverse("portal:red_list")).content.decode()
    with clock.frozen_at(last + dt.timedelta(days=1)):
        assert client.get(red_url).status_code == 404
        assert county.goodco.name not in client.get(reverse("portal:red_list")).content.decode()

    from records.models import CreditRecord

    record = CreditRecord.objects.get(document_number="榕住建罚〔2026〕11号")
    with clock.frozen_at(record.publicity_ends_on):
        assert record.document_number in client.get(subject_url).content.decode()
    with clock.frozen_at(record.publicity_ends_on + dt.timedelta(days=1)):
        assert record.document_number not in client.get(subject_url).content.decode()

    black_url = reverse("portal:black_detail", args=[county.black.pk])
    end = county.black.effective_until
    with clock.frozen_at(end):
        assert client.get(black_url).status_code == 200
    with clock.frozen_at(end + dt.timedelta(days=1)):  # before any deadline job has run
        assert client.get(black_url).status_code == 404
        page = client.get(reverse("portal:black_list")).content.decode()
        assert county.black.decision_number not in page


def test_key_supervision_and_grades_follow_the_county_settings(county, settings):
    client = Client()
    with clock.frozen_at(TODAY):
        assert client.get(reverse("portal:key_list")).status_code == 404
        settings.PORTAL_PUBLISH_KEY_SUPERVISION = True
        page = client.get(reverse("portal:key_list"))
        assert page.status_code == 200
        for secret in county.secrets:
            assert secret not in page.content.decode()
        settings.PORTAL_PUBLISH_GRADES = False
        subject = client.get(reverse("portal:subject", args=[county.acme.code]))
    assert 'data-testid="public-grade"' not in subject.content.decode()


def test_unpublished_plans_cases_and_models_are_not_found(county):
    from lists.models import TypicalCase
    from scoring.models import ScoringModel
    from supervision.models import InspectionPlan

    InspectionPlan.objects.filter(pk=county.plan.pk).update(status="draft", published_at=None)
    case = TypicalCase.objects.get()
    TypicalCase.objects.filter(pk=case.pk).update(state="withdrawn")
    draft = ScoringModel.objects.filter(status="published").first()
    ScoringModel.objects.filter(pk=draft.pk).update(status="retired")
    client = Client()
    with clock.frozen_at(TODAY):
        assert client.get(reverse("portal:plan_detail", args=[county.plan.pk])).status_code == 404
        assert client.get(reverse("portal:case_detail", args=[case.pk])).status_code == 404
        assert client.get(reverse("portal:model_detail", args=[draft.pk])).status_code == 404
        results = client.get(reverse("portal:result_list")).content.decode()
    assert "榕住建检〔2026〕4号" not in results


@pytest.mark.parametrize("name", ["portal:search", "portal:subject", "portal:verify",
                                  "filtered list", "download"])
def test_search_and_verification_pages_are_rate_limited(county, settings, name):
    settings.PORTAL_RATE_LIMIT = "3/m"
    url = {"portal:search": reverse("portal:search") + "?q=福州",
           "portal:subject": reverse("portal:subject", args=[county.acme.code]),
           "portal:verify": reverse("portal:verify", args=["x" * 32]),
           "filtered list": reverse("portal:black_list") + "?q=福州",
           "download": reverse("portal:sanction_list") + "?format=csv"}[name]
    client = Client(REMOTE_ADDR="10.0.0.7")
    with clock.frozen_at(TODAY):
        first = [client.get(url).status_code for _ in range(3)]
        refused = client.get(url)
        other = Client(REMOTE_ADDR="10.0.0.8").get(url)
    assert 429 not in first
    assert refused.status_code == 429
    assert "请求过于频繁" in refused.content.decode()
    assert other.status_code != 429


def test_the_default_limit_is_thirty_a_minute(county):
    client = Client(REMOTE_ADDR="10.0.0.9")
    url = reverse("portal:search") + "?q=福州"
    codes = [client.get(url).status_code for _ in range(31)]
    assert codes[:30] == [200] * 30 and codes[30] == 429


def test_masking_helpers():
    from portal.selectors import mask_phone, scrub

    assert mask_phone(ACME_PHONE) == "138****5678"
    assert scrub(f"身份证{PERSON_ID}，电话{ACME_PHONE}，座机0591-87654321") == (
        "身份证1101**********4477，电话138****5678，座机0591-****4321")
    untouched = "文书号 榕住建罚〔2026〕11号，金额 20000 元"
    assert scrub(untouched) == untouched


def test_downloads_neutralise_formulas_and_odd_sheet_titles(county):
    from lists.models import TypicalCase
    from supervision.models import InspectionPlan

    TypicalCase.objects.update(title='=HYPERLINK("http://evil.example","点击")')
    InspectionPlan.objects.filter(pk=county.plan.pk).update(name="2026/Q1: [抽查]*?")
    client = Client()
    with clock.frozen_at(TODAY):
        cases = client.get(reverse("portal:case_list"), {"format": "csv"})
        sheet = client.get(reverse("portal:case_list"), {"format": "xlsx"})
        plan = client.get(reverse("portal:plan_detail", args=[county.plan.pk]),
                          {"format": "xlsx"})
    rows = list(csv.reader(io.StringIO(cases.content.decode("utf-8-sig"))))
    assert rows[1][0].startswith("'=HYPERLINK")
    cells = [c for row in load_workbook(io.BytesIO(sheet.content)).active.iter_rows(
        values_only=True) for c in row]
    assert any(str(c).startswith("'=HYPERLINK") for c in cells)
    assert plan.status_code == 200
    assert load_workbook(io.BytesIO(plan.content)).active.title == "2026 Q1   抽查   "


ODD_INPUTS = ["\x00abc", "a\x00", "%", "_", "'", "\\", "🏠", "1e400", "-1",
              "100000000000000000000", "ＡＢＣ", "9135010000000001\x00X"]


@pytest.mark.parametrize("odd", ODD_INPUTS)
def test_odd_input_in_any_public_address_is_an_answer_not_a_server_error(county, settings, odd):
    """Whatever a visitor types into a query string or a path (a NUL, an offset past any
    integer the database takes, a lone wildcard) gets a page or the one 404, never a 500: a NUL
    ended SQLite's full-text query early and PostgreSQL refuses it in any string; an offset of
    10**20 overflowed the database's integer."""
    settings.PORTAL_RATE_LIMIT = "10000/m"
    client = Client()
    urls = [reverse("portal:search") + "?" + _query(q=odd),
            reverse("portal:search") + "?" + _query(q="福州", offset=odd),
            reverse("portal:search") + "?" + _query(q="福州", category=odd),
            reverse("portal:subject", args=[odd.replace("/", "") or "x"]),
            reverse("portal:verify", args=[odd.replace("/", "") or "x"])]
    for name in LIST_PAGES:
        urls += [reverse(name) + "?" + _query(q=odd, category=odd, kind=odd, page=odd),
                 reverse(name) + "?" + _query(q=odd, format="csv")]
    with clock.frozen_at(TODAY):
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 404), (url, response.status_code)


def test_search_past_the_last_page_and_with_invisible_characters(county, settings):
    """An offset far past the results is an empty page; a name typed with a NUL or a
    zero-width space in it finds what the name without them finds."""
    settings.PORTAL_RATE_LIMIT = "10000/m"
    client = Client()
    with clock.frozen_at(TODAY):
        plain = client.get(reverse("portal:search") + "?" + _query(q="福州"))
        dirty = client.get(reverse("portal:search") + "?" + _query(q="福\x00州\u200b"))
        far = client.get(reverse("portal:search") + "?" + _query(q="福州", offset=10**20))
    assert county.acme.name in plain.content.decode()
    assert county.acme.name in dirty.content.decode()
    assert far.status_code == 200 and county.acme.name not in far.content.decode()


def _query(**params: object) -> str:
    from urllib.parse import urlencode

    return urlencode({k: str(v) for k, v in params.items()})


def test_the_footer_dates_every_public_page_and_stays_off_the_enterprises_pages(county,
                                                                               settings):
    """The footer's "information as published on <day>" had no day on the 429 page (rendered
    without the portal's context: "以上为 的公示信息"); the enterprises' pages (/my/, its sign-in)
    are not publicity and carry no such footer."""
    settings.PORTAL_RATE_LIMIT = "1/m"
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    with clock.frozen_at(TODAY):
        client.get(reverse("portal:search") + "?q=福州")
        refused = client.get(reverse("portal:search") + "?q=福州")
        sign_in = client.get(reverse("appeals:login"))
    assert refused.status_code == 429
    assert f"以上为 {TODAY:%Y-%m-%d} 的公示信息" in refused.content.decode()
    assert sign_in.status_code == 200 and "公示信息。" not in sign_in.content.decode()


def test_titles_plan_names_and_legal_bases_typed_by_staff_are_scrubbed_too(county, settings):
    """A typical case's title, a plan's name and a black-list entry's legal basis are typed by
    staff like the bodies and reasons that were already scrubbed; an ID or phone number typed
    into them reached the home page, the lists, the detail pages and the downloads."""
    from lists.models import TypicalCase
    from supervision.models import InspectionPlan

    settings.PORTAL_RATE_LIMIT = "10000/m"
    TypicalCase.objects.update(title=f"当事人{PERSON_ID}虚假承诺案（举报电话13912345678）")
    InspectionPlan.objects.filter(pk=county.plan.pk).update(
        name="2026年抽查（联系人13912345678）")
    type(county.black).objects.filter(pk=county.black.pk).update(
        decision_basis=f"《办法》第十四条；经办人{PERSON_ID}")
    client = Client()
    with clock.frozen_at(TODAY):
        urls = [*_urls(county), reverse("portal:home"),
                reverse("portal:plan_detail", args=[county.plan.pk]) + "?format=xlsx"]
        shown = {url: _text(client.get(url)) for url in urls}
    assert any("139****5678" in text for text in shown.values())
    assert any("1101**********4477" in text and "虚假承诺案" in text for text in shown.values())
    for url, text in shown.items():
        assert PERSON_ID not in text and "13912345678" not in text, url
