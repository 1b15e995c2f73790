"""Ship the holiday calendar for the current and next year (administrators keep it up to date)."""

import datetime as dt

from django.db import migrations

NOTICE_2026 = "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）"
STATUTORY_2027 = ("《全国年节及纪念日放假办法》法定假日（2027年调休安排待国务院办公厅通知发布后"
                  "由管理员补录）")


def _span(start: str, end: str) -> list[dt.date]:
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return [a + dt.timedelta(days=n) for n in range((b - a).days + 1)]


HOLIDAYS = [
    ("元旦", _span("2026-01-01", "2026-01-03"), NOTICE_2026),
    ("春节", _span("2026-02-15", "2026-02-23"), NOTICE_2026),
    ("清明节", _span("2026-04-04", "2026-04-06"), NOTICE_2026),
    ("劳动节", _span("2026-05-01", "2026-05-05"), NOTICE_2026),
    ("端午节", _span("2026-06-19", "2026-06-21"), NOTICE_2026),
    ("中秋节", _span("2026-09-25", "2026-09-27"), NOTICE_2026),
    ("国庆节", _span("2026-10-01", "2026-10-07"), NOTICE_2026),
    ("元旦", _span("2027-01-01", "2027-01-01"), STATUTORY_2027),
    ("春节", _span("2027-02-05", "2027-02-08"), STATUTORY_2027),
    ("清明节", _span("2027-04-05", "2027-04-05"), STATUTORY_2027),
    ("劳动节", _span("2027-05-01", "2027-05-02"), STATUTORY_2027),
    ("端午节", _span("2027-06-09", "2027-06-09"), STATUTORY_2027),
    ("中秋节", _span("2027-09-15", "2027-09-15"), STATUTORY_2027),
    ("国庆节", _span("2027-10-01", "2027-10-03"), STATUTORY_2027),
]
WORKDAYS_2026 = [
    ("元旦调休上班", "2026-01-04"), ("春节调休上班", "2026-02-14"), ("春节调休上班", "2026-02-28"),
    ("劳动节调休上班", "2026-05-09"), ("国庆节调休上班", "2026-09-20"),
    ("国庆节调休上班", "2026-10-10"),
]


def forwards(apps, schema_editor):
    CalendarDay = apps.get_model("common", "CalendarDay")
    for name, days, source in HOLIDAYS:
        for day in days:
            CalendarDay.objects.get_or_create(
                date=day, defaults={"kind": "holiday", "name": name, "source": source}
            )
    for name, day in WORKDAYS_2026:
        CalendarDay.objects.get_or_create(
            date=dt.date.fromisoformat(day),
            defaults={"kind": "workday", "name": name, "source": NOTICE_2026},
        )


def backwards(apps, schema_editor):
    apps.get_model("common", "CalendarDay").objects.filter(
        date__gte=dt.date(2026, 1, 1), date__lte=dt.date(2027, 12, 31)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("common", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
