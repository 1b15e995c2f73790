"""List pages at scale (issue 14): each list page, the lists workbench and the objections and
repairs queue read a fixed number of queries however many entries they show (no query per
row). Each page is loaded with a few entries and with many; the query counts must be equal.
The rows come from the pages benchmark's own builder (`bench.bench_pages.add_list_rows`), so
the test and the benchmark measure the same pages over the same kind of data."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.bench_pages import TODAY, add_list_rows
from common import clock
from lists.models import BlacklistGround
from records.models import RecordType

pytestmark = pytest.mark.django_db

PAGES = [
    ("lists:workbench", ""),
    ("lists:black_list", ""),
    ("lists:black_list", "?tab=open"),
    ("lists:black_list", "?tab=ended"),
    ("lists:red_list", ""),
    ("lists:red_list", "?tab=open"),
    ("lists:key_list", ""),
    ("lists:sanction_list", ""),
    ("lists:case_list", ""),
    ("appeals:queue", ""),
]


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("name", "query"), PAGES)
def test_list_page_does_not_query_per_entry(name, query, catalogue, clerk, reviewer):
    client = Client()
    client.force_login(reviewer)
    url = reverse(name) + query
    rows = {"clerk": clerk, "department": clerk.department,
            "record_type": RecordType.objects.filter(polarity="bad").order_by("code").first(),
            "ground": BlacklistGround.objects.order_by("pk").first(), "every": 1}
    with clock.frozen_at(TODAY):
        add_list_rows(n=2, start=0, **rows)
        _queries(client, url)  # warm: session, per-process caches
        few = _queries(client, url)
        add_list_rows(n=15, start=2, **rows)
        many = _queries(client, url)
    assert many == few, f"{url}: {few} queries with 2 entries, {many} with 17"
