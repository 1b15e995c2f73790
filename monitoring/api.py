"""API v1: `GET /statistics/overview` (django-ninja Router, token scope `statistics:read`).

Mounted by the API (`api.add_router("/statistics", monitoring_router)`). The answer comes from
the same selectors as the dashboard, so its numbers equal the dashboard's for the same filters.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema

from accounts.api_auth import TokenAuth
from common.api import tags
from common.api.schemas import ErrorOut
from monitoring import selectors
from monitoring.selectors import Filters

SCOPE = "statistics:read"

router = Router(tags=[tags.STATISTICS])


class GradeOut(Schema):
    category: str
    grade: str
    count: int
    share: float


class MeasureOut(Schema):
    code: str
    name: str
    kind: str
    returned: int
    applied: int
    not_applied: int
    feedback_rate: float
    applied_rate: float


class FeedbackOut(Schema):
    returned: int
    answered: int
    applied: int
    feedback_rate: float
    applied_rate: float


class OverviewOut(Schema):
    snapshot_day: dt.date | None
    grades: list[GradeOut]
    measures: list[MeasureOut]
    feedback: FeedbackOut


class OverviewQuery(Schema):
    category: str | None = None
    department: int | None = None
    as_of: dt.date | None = None


@router.get("/overview", auth=TokenAuth(SCOPE), response={200: OverviewOut, 401: ErrorOut,
                                                           403: ErrorOut, 422: ErrorOut},
            summary=_("Statistics overview"),
            description=_("Grade distribution per category (batches in force) and the "
                          "measures' feedback rates, from the latest statistics snapshot (or "
                          "the one on or before as_of)."))
def overview(request: HttpRequest, query: Query[OverviewQuery]) -> dict:
    """Grade distribution per category (batches in force) and the measures' feedback rates,
    from the latest statistics snapshot (or the one on or before `as_of`)."""
    filters = selectors.resolve(Filters(category=query.category or None,
                                        department_id=query.department, as_of=query.as_of))
    return {
        "snapshot_day": filters.snapshot,
        "grades": selectors.grade_distribution(filters=filters),
        "measures": selectors.measures_by_measure(filters=filters),
        "feedback": selectors.feedback_totals(filters=filters),
    }
