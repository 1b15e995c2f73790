"""The snapshot tables share one abstract base (a day, optionally a month and a department), so
they are declared once and read alike; the schema did not change (`makemigrations --check`)."""

from __future__ import annotations

import datetime as dt

from django.apps import apps

from monitoring.models import (
    CommitmentCount,
    InspectionCount,
    ListEventCount,
    MeasureCount,
    MonthlyRow,
    PerDepartment,
    QueueCount,
    RecordCount,
    SnapshotRow,
)

DAY, MONTH = dt.date(2026, 3, 2), dt.date(2026, 2, 1)


def test_every_snapshot_table_is_a_snapshot_row() -> None:
    rows = {m for m in apps.get_app_config("monitoring").get_models()
            if issubclass(m, SnapshotRow)}
    assert rows == {RecordCount, QueueCount, ListEventCount, MeasureCount, CommitmentCount,
                    InspectionCount}
    assert all(m._meta.get_field("day").verbose_name == "day" for m in rows)
    monthly = {m for m in rows if issubclass(m, MonthlyRow)}
    assert monthly == rows - {QueueCount}
    assert {m for m in rows if issubclass(m, PerDepartment)} == {
        RecordCount, QueueCount, MeasureCount, CommitmentCount}
    assert ListEventCount._meta.get_field("department_id").null  # a rule's event: no department


def test_rows_read_as_day_what_month_and_how_many() -> None:
    assert str(RecordCount(day=DAY, month=MONTH, total=7)) == "2026-03-02 2026-02: 7"
    assert str(QueueCount(day=DAY, band=2, count=5)) == "2026-03-02 2: 5"
    assert str(ListEventCount(day=DAY, month=MONTH, kind="black", event="enter", count=3)) \
        == "2026-03-02 black enter 2026-02: 3"
    assert str(MeasureCount(day=DAY, month=MONTH, code="green_channel", returned=4)) \
        == "2026-03-02 green_channel 2026-02: 4"
    assert str(InspectionCount(day=DAY, month=MONTH, category="builder", grade="A", drawn=9)) \
        == "2026-03-02 builder A 2026-02: 9"
