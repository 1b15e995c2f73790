"""How many queries a credit check costs, so the check path cannot quietly regress (issue 14):
the subject with its grade in one query, the facts in two more, catalogue rows from the
per-process caches, and no count that grows with the subject's records or list entries. Also
that the caches are dropped when what they copy is saved."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from approvals.models import Parameter
from approvals.selectors import commitment_warnings, gather_facts, subject_by_code
from approvals.services import credit_check
from common import clock
from lists.models import KeySupervisionEntry

from .conftest import MONDAY

pytestmark = pytest.mark.django_db

MATTER = "property_service_filing"
# The whole check, writes included, on SQLite: 3 reads (subject + grade, bad records, one probe),
# the number (1), the snapshot, its measures and its verification document (3 inserts), one
# audit event naming the check and the document (3: the stream head locked with the event's
# sequence taken in one statement, the insert, the head's update), and the transaction's
# savepoint and release inside the test's transaction (2). It was 22 when the portal wrote its
# document after re-reading the check, with its own event, and 13 with the head and the
# sequence as two statements.
CHECK_QUERIES_SQLITE = 12
# On PostgreSQL the three reads are one round trip (`prepared.rows_batch`), and the writes two:
# the number, the snapshot's and the document's ids and the audit head with the event's
# sequence; then the four inserts and the head's update (`approvals.services._store_check`).
# With the savepoint and its release: 5 (was 11).
CHECK_QUERIES_POSTGRESQL = 5


def _check_queries() -> int:
    from django.db import connection

    return (CHECK_QUERIES_POSTGRESQL if connection.vendor == "postgresql"
            else CHECK_QUERIES_SQLITE)


def _sent(captured: list[dict]) -> str:
    """The SQL a check sent, each PostgreSQL `EXECUTE hc_…` replaced by the statement it
    prepared (`common.statements.execute_batch`)."""
    from django.db import connection

    sql = "\n".join(q["sql"] for q in captured)
    if connection.vendor != "postgresql":
        return sql
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        texts = dict(cursor.fetchall())

    def prepared(match: re.Match) -> str:
        name = match.group(1)
        found = re.search(rf"PREPARE {name} AS (.*?)(?:;\n|$)", texts[name], re.S)
        return found.group(1)

    return re.sub(r"EXECUTE (hc_\w+)", prepared, sql)


def _warm(window_officer, subject) -> None:
    """One check fills the per-process caches (rule book, matter, batch, grade measures)."""
    credit_check(actor=window_officer, code_or_name=subject.code, matter_code=MATTER)


def test_reads_of_a_clean_subject_take_three_queries(graded, good_subject, window_officer,
                                                     django_assert_num_queries):
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        _warm(window_officer, good_subject)
        with django_assert_num_queries(1):
            subject = subject_by_code(code=good_subject.code, with_evaluation=True)
            assert subject.ev_grade == "AA"
        from django.db import connection

        # bad records + the probe (lists, commitments, conditions); on PostgreSQL both were
        # read with the subject, in the same round trip
        with django_assert_num_queries(0 if connection.vendor == "postgresql" else 2):
            facts, _records, probed = gather_facts(subject=subject, as_of=MONDAY)
            assert commitment_warnings(subject=subject, as_of=MONDAY, probed=probed) == []
    assert facts.grade.grade == "AA" and facts.lists == () and facts.ineligible == {}
    assert "green_channel" in facts.grade_measures


def test_whole_check_has_a_query_count(graded, good_subject, window_officer,
                                       django_assert_num_queries):
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        _warm(window_officer, good_subject)
        with django_assert_num_queries(_check_queries()) as ctx:
            check = credit_check(actor=window_officer, code_or_name=good_subject.code,
                                 matter_code=MATTER)
    assert check.grade == "AA" and check.number.endswith("000002")
    sql = _sent(ctx.captured_queries).upper()
    assert sql.count("INSERT INTO") == 4  # snapshot, measures, verification document, event
    # the number and the audit stream's head (not counting the head's FOR UPDATE lock)
    assert len(re.findall(r"(?<!FOR )UPDATE ", sql)) == 2


def _count(window_officer, subject) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        credit_check(actor=window_officer, code_or_name=subject.code, matter_code=MATTER)
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_records_or_list_entries(
        graded, make_subject, make_record, blacklist, window_officer):
    """A subject with twenty bad records and a black-list entry (lowest grade, so also under
    key supervision), then with thirty and a second entry: the same number of queries."""
    subject = make_subject("福州多记录物业有限公司")
    day = MONDAY - dt.timedelta(days=30)

    def add(n: int) -> None:
        for _i in range(n):
            make_record(subject, "property_fee_violation", decided_on=day)
        blacklist(subject, since=day)

    def count() -> int:
        with clock.frozen_at(MONDAY):
            _warm(window_officer, subject)
            return _count(window_officer, subject)

    add(20)
    graded(MONDAY)
    add(1)  # entering a record after the lowest grade puts the subject under key supervision
    graded(MONDAY)
    assert KeySupervisionEntry.objects.filter(subject=subject).exists()
    few = count()
    add(10)
    graded(MONDAY)
    many = count()
    with clock.frozen_at(MONDAY):
        check = credit_check(actor=window_officer, code_or_name=subject.code,
                             matter_code=MATTER)
    assert check.result["bad_records"]["count"] == 31
    assert {m["kind"] for m in check.result["lists"]} >= {"black", "key"}
    assert many == few


def test_measure_table_edit_reaches_the_next_check(graded, good_subject, window_officer,
                                                   reviewer):
    """The grade → measures row is cached per process and dropped when it is saved."""
    from supervision.models import SupervisionMeasure

    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        before = credit_check(actor=window_officer, code_or_name=good_subject.code,
                              matter_code=MATTER)
        assert "green_channel" in [m["code"] for m in before.result["measures"]]
        row = SupervisionMeasure.objects.get(category=good_subject.category, grade="AA")
        row.incentives = []
        row.save()
        after = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code=MATTER)
    reasons = {r["rule"] for m in after.result["measures"] if m["code"] == "green_channel"
               for r in m["reasons"]}
    assert "grade-measures" not in reasons


def test_setting_edit_reaches_the_next_check(graded, good_subject, window_officer):
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        first = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code=MATTER)
        Parameter.objects.create(code="feedback_days", value=1)
        second = credit_check(actor=window_officer, code_or_name=good_subject.code,
                              matter_code=MATTER)
    assert second.feedback_due_on < first.feedback_due_on


def test_postgresql_plans_the_reads_once_per_connection(graded, good_subject, window_officer):
    """PostgreSQL: the check's reads are prepared statements, planned once per connection
    (`common.statements.execute_batch`); later checks only EXECUTE them, with the same answer."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs in process: nothing to plan on a server")
    graded(MONDAY)
    with clock.frozen_at(MONDAY):
        first = credit_check(actor=window_officer, code_or_name=good_subject.code,
                             matter_code=MATTER)
        with CaptureQueriesContext(connection) as ctx:
            again = credit_check(actor=window_officer, code_or_name=good_subject.code,
                                 matter_code=MATTER)
    reads = ctx.captured_queries[0]["sql"]
    assert reads.startswith("EXECUTE hc_") and "PREPARE" not in reads
    assert reads.count("EXECUTE hc_") == 3  # the subject, its bad records, the probe
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'hc\\_%%'")
        assert cursor.fetchone()[0] >= 3
    assert again.result["grade"] == first.result["grade"]
    assert again.result["measures"] == first.result["measures"]
