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


@pytest.mark.parametrize(("name", "query", "index"), [
    ("lists:black_list", "", "black_state_order_idx"),
    ("lists:red_list", "", "red_state_order_idx"),
    ("lists:key_list", "", "key_state_order_idx"),
    ("lists:sanction_list", "", "sanction_order_idx"),
])
def test_list_page_reads_its_index_in_order(name, query, index, catalogue, clerk, reviewer):
    """A page of a list, newest first, is read along the list's order index (lists 0007), not
    sorted whole: on SQLite the page's plan names the index and has no sort step. PostgreSQL
    chooses by the tables' size, so there the test only checks the page's order."""
    client = Client()
    client.force_login(reviewer)
    rows = {"clerk": clerk, "department": clerk.department,
            "record_type": RecordType.objects.filter(polarity="bad").order_by("code").first(),
            "ground": BlacklistGround.objects.order_by("pk").first(), "every": 1}
    with clock.frozen_at(TODAY):
        add_list_rows(n=5, start=0, **rows)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse(name) + query)
    entries = list(response.context["entries"])
    model = type(entries[0])
    field = model._meta.ordering[0].lstrip("-")
    keys = [(getattr(e, field), e.pk) for e in entries]
    assert keys == sorted(keys, reverse=True)
    if connection.vendor != "sqlite":
        return
    table = model._meta.db_table
    page_sql = next(q["sql"] for q in ctx.captured_queries
                    if q["sql"].startswith(f'SELECT "{table}"."id"') and "LIMIT" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + page_sql)
        plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
    assert index in plan, plan
    assert "TEMP B-TREE" not in plan, plan
