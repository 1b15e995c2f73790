"""What the public site may show, computed as of today, in one place.

Every public read goes through here, so the rules of disclosure are in one file:

* a subject is public when it is an enterprise: its name and unified social credit code are
  registration data anyone may look up (《企业信息公示暂行条例》). Practitioners (individuals)
  have no public page and are not found by public search (《个人信息保护法》 第六条: only
  what is necessary); where a list names one, the name and ID number are masked;
* a record is public when it is effective, marked public, of a public catalogue type and inside
  its publicity period (建市〔2017〕241号 第十条; `records.selectors.public_records`);
* a list entry is public while it is in publicity or in force and its period has not ended;
* free text (descriptions, reasons, case bodies) is scrubbed of ID and phone numbers.

"As of today" is `common.clock.today()`, so an entry whose period ends disappears that day even
before the nightly deadline job has moved its state.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from approvals.models import Commitment, CommitmentState
from common import clock
from common.errors import NotFound
from common.text import strip_invisible
from lists.models import (
    BlackListEntry,
    BlackState,
    CaseState,
    IndustrySanction,
    KeyState,
    KeySupervisionEntry,
    RedListEntry,
    RedState,
    SanctionState,
    TypicalCase,
)
from portal import conf
from records import selectors as record_selectors
from records.models import CreditRecord, RecordState
from scoring import selectors as scoring_selectors
from scoring.models import ModelStatus, ScoringModel
from subjects import selectors as subject_selectors
from subjects.identifiers import looks_like_code, mask_id_number, normalise
from subjects.models import Category, Subject
from supervision.models import InspectionPlan, PlanItem, PlanStatus

# --- masking ----
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?)(\d{3,4})(\d{4})(?!\d)")


def mask_phone(phone: str) -> str:
    """`138****5678`: the first three and last four digits of a phone number kept."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def scrub(text: str) -> str:
    """Free text with every resident ID number and phone number in it masked.

    Descriptions and reasons are typed by staff; the public site must not rely on them having
    left personal numbers out (《个人信息保护法》 第五十一条: measures to protect personal data).
    """
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text or "")
    text = _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)
    return _LANDLINE.sub(lambda m: m.group(1) + "****" + m.group(3), text)


def public_name(subject: Subject) -> str:
    """An enterprise's name as registered; an individual's with the given name masked (张**)."""
    if subject.kind == Subject.Kind.ENTERPRISE:
        return subject.name
    return subject.name[:1] + "*" * max(1, len(subject.name) - 1)


def public_code(subject: Subject) -> str:
    """An enterprise's USCC; an individual's ID number masked (4108**********1234)."""
    if subject.kind == Subject.Kind.ENTERPRISE:
        return subject.code
    return mask_id_number(subject.code)


# --- subjects ----
def is_public_subject(subject: Subject) -> bool:
    """Enterprises have a public page; individuals do not (see the module docstring)."""
    return subject.kind == Subject.Kind.ENTERPRISE


def public_subject(*, code: str) -> Subject:
    """The public subject with this code, or NotFound: the same answer whether the code is
    malformed, unknown or an individual's, so the page reveals nothing about who exists."""
    term = normalise(code)
    if looks_like_code(term):
        subject = Subject.objects.filter(code=term, kind=Subject.Kind.ENTERPRISE).first()
        if subject is not None:
            return subject
    raise NotFound("not_found", "not found")


def search(*, q: str, category: str = "", limit: int = 20, offset: int = 0
           ) -> tuple[list[Subject], int | None]:
    """Public search: name, former name or whole code, enterprises only (subjects' index)."""
    return subject_selectors.search_subjects(q=q, category=category or None,
                                             kind=Subject.Kind.ENTERPRISE, limit=limit,
                                             offset=offset)


def former_names(*, subject: Subject) -> list[str]:
    return [n.name for n in subject_selectors.former_names(subject=subject)]


@dataclass(frozen=True)
class PublicGrade:
    grade: str
    as_of: dt.date
    model_name: str
    model_label: str


def public_grade(*, subject: Subject) -> PublicGrade | None:
    """The current grade and its date, only where the county publishes grades."""
    if not conf.publish_grades():
        return None
    return current_grade(subject=subject)


def current_grade(*, subject: Subject) -> PublicGrade | None:
    """The subject's grade in its category's current batch (for the report and the page)."""
    found = scoring_selectors.current_evaluation(subject=subject)
    if found is None:
        return None
    evaluation, batch, model = found
    return PublicGrade(grade=evaluation.grade, as_of=evaluation.as_of or batch.as_of,
                       model_name=model.name, model_label=model.label)


def public_records(*, subject: Subject, as_of: dt.date | None = None) -> QuerySet[CreditRecord]:
    """Records anyone may see today, newest decision first."""
    qs = record_selectors.public_records(subject=subject)
    if as_of is not None:  # the report's date; records selectors count from clock.today()
        qs = CreditRecord.objects.filter(
            subject=subject, state=RecordState.EFFECTIVE, is_public=True,
            record_type__is_public=True, publicity_ends_on__gte=as_of, decided_on__lte=as_of,
        ).select_related("record_type", "source_department")
    return qs.order_by("-decided_on", "-id")


# --- lists ----
def _today(as_of: dt.date | None) -> dt.date:
    return as_of or clock.today()


def _term(q: str) -> str:
    """A visitor's filter as matched: control and invisible characters removed (PostgreSQL
    refuses a NUL in any string, which would make a typed `%00` a server error), blanks
    collapsed."""
    return " ".join(strip_invisible(str(q or "")).split())


def _by_subject(qs: QuerySet[Any], q: str, category: str, prefix: str = "subject__"
                ) -> QuerySet[Any]:
    term = _term(q)
    if term:
        if looks_like_code(term):
            qs = qs.filter(**{f"{prefix}code": normalise(term),
                              f"{prefix}kind": Subject.Kind.ENTERPRISE})
        else:
            # Individuals' names are masked on the public site, so they are not searchable.
            qs = qs.filter(**{f"{prefix}name__icontains": term,
                              f"{prefix}kind": Subject.Kind.ENTERPRISE})
    if category in Category.values:  # anything else typed into the address is no filter
        qs = qs.filter(**{f"{prefix}category": category})
    return qs


def black_list(*, q: str = "", category: str = "", as_of: dt.date | None = None
               ) -> QuerySet[BlackListEntry]:
    """Black-list entries in publicity or in force whose management period has not ended
    (国办发〔2020〕49号 (十): published while the listing lasts; 241号 第十六条: one year)."""
    today = _today(as_of)
    qs = BlackListEntry.objects.filter(
        Q(state=BlackState.PUBLICITY, published_on__lte=today)
        | Q(state=BlackState.IN_FORCE, effective_from__lte=today)
        & (Q(effective_until__isnull=True) | Q(effective_until__gte=today))
    ).select_related("subject", "ground", "department")
    return _by_subject(qs, q, category).order_by("-published_on", "-id")


def red_list(*, q: str = "", category: str = "", as_of: dt.date | None = None
             ) -> QuerySet[RedListEntry]:
    """Red-list entries in force and within validity, and nominations in publicity (the
    public may object to a nomination, so it must be able to see it)."""
    today = _today(as_of)
    qs = RedListEntry.objects.filter(
        Q(state=RedState.IN_FORCE, effective_from__lte=today)
        & (Q(effective_until__isnull=True) | Q(effective_until__gte=today))
        | Q(state=RedState.PUBLICITY, publicity_started_on__lte=today,
            publicity_ends_on__gte=today)
    ).select_related("subject", "department", "criterion")
    return _by_subject(qs, q, category).order_by("-effective_from", "-publicity_started_on",
                                                 "-id")


def key_list(*, q: str = "", category: str = "", as_of: dt.date | None = None
             ) -> QuerySet[KeySupervisionEntry]:
    """Key-supervision objects, only where the county makes the list public."""
    if not conf.publish_key_supervision():
        return KeySupervisionEntry.objects.none()
    qs = KeySupervisionEntry.objects.filter(
        state=KeyState.IN_FORCE, entered_on__lte=_today(as_of)).select_related("subject")
    return _by_subject(qs, q, category).order_by("-entered_on", "-id")


def sanctions(*, q: str = "", category: str = "", kind: str = "", as_of: dt.date | None = None
              ) -> QuerySet[IndustrySanction]:
    """Decided industry sanctions published to the public, while their record's publicity
    runs (行业惩戒 of public scope; internal circulation is never shown)."""
    today = _today(as_of)
    qs = IndustrySanction.objects.filter(
        state=SanctionState.DECIDED, scope=IndustrySanction.Scope.PUBLIC,
        record__state=RecordState.EFFECTIVE, record__is_public=True,
        record__record_type__is_public=True, record__publicity_ends_on__gte=today,
    ).select_related("subject", "department", "record")
    if kind:
        qs = qs.filter(kind=kind)
    return _by_subject(qs, q, category).order_by("-decided_on", "-id")


def typical_cases(*, q: str = "", kind: str = "") -> QuerySet[TypicalCase]:
    """Published typical cases, good and bad; withdrawn ones disappear."""
    qs = TypicalCase.objects.filter(state=CaseState.PUBLISHED, published_on__lte=clock.today())
    if kind:
        qs = qs.filter(kind=kind)
    term = _term(q)
    if term:
        qs = qs.filter(title__icontains=term)
    return qs.order_by("-published_on", "-id")


def typical_case(*, pk: int) -> TypicalCase:
    case = typical_cases().filter(pk=pk).first()
    if case is None:
        raise NotFound("not_found", "not found")
    return case


def black_entry(*, pk: int) -> BlackListEntry:
    entry = black_list().filter(pk=pk).first()
    if entry is None:
        raise NotFound("not_found", "not found")
    return entry


def red_entry(*, pk: int) -> RedListEntry:
    entry = red_list().filter(pk=pk).first()
    if entry is None:
        raise NotFound("not_found", "not found")
    return entry


# --- random inspections (双随机、一公开) ----
def inspection_plans(*, category: str = "") -> QuerySet[InspectionPlan]:
    qs = InspectionPlan.objects.filter(status=PlanStatus.PUBLISHED)
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("-published_at", "-id")


def inspection_plan(*, pk: int) -> InspectionPlan:
    plan = inspection_plans().filter(pk=pk).first()
    if plan is None:
        raise NotFound("not_found", "not found")
    return plan


def plan_items(*, plan: InspectionPlan) -> QuerySet[PlanItem]:
    """A published plan's drawn subjects in draw order (never the grade they were drawn with)."""
    return (PlanItem.objects.filter(plan=plan).select_related("subject")
            .prefetch_related("assignments__inspector").order_by("position"))


def inspection_results(*, q: str = "", category: str = "", as_of: dt.date | None = None
                       ) -> QuerySet[PlanItem]:
    """Results of published plans whose result record is public today."""
    today = _today(as_of)
    qs = PlanItem.objects.filter(
        plan__status=PlanStatus.PUBLISHED, result_record__state=RecordState.EFFECTIVE,
        result_record__is_public=True, result_record__record_type__is_public=True,
        result_record__publicity_ends_on__gte=today,
    ).select_related("plan", "subject", "result_record", "result_record__record_type")
    return _by_subject(qs, q, category).order_by("-result_record__decided_on", "-id")


# --- scoring models ----
def published_models() -> list[ScoringModel]:
    """Scoring models in force or published for a future date: the public may read every rule
    that grades it (the model is published before it is used)."""
    return scoring_selectors.published_models()


def published_model(*, pk: int) -> ScoringModel:
    model = ScoringModel.objects.filter(pk=pk, status=ModelStatus.PUBLISHED).first()
    if model is None:
        raise NotFound("not_found", "not found")
    return model


# --- a subject's public lists and commitments ----
def subject_lists(*, subject: Subject, as_of: dt.date | None = None) -> dict[str, list[Any]]:
    """The subject's entries on each public list, today (or as of the report's date)."""
    return {
        "black": list(black_list(as_of=as_of).filter(subject=subject)),
        "red": list(red_list(as_of=as_of).filter(subject=subject)),
        "key": list(key_list(as_of=as_of).filter(subject=subject)),
        "sanctions": list(sanctions(as_of=as_of).filter(subject=subject)),
        "cases": list(typical_cases().filter(subjects=subject)),
    }


def commitments(*, subject: Subject, as_of: dt.date) -> dict[str, list[Commitment]]:
    """Commitments (容缺受理) the subject kept and broke up to `as_of`, for its credit report."""
    qs = Commitment.objects.filter(subject=subject).select_related("matter", "department")
    return {
        "kept": list(qs.filter(state=CommitmentState.FULFILLED, fulfilled_on__lte=as_of)
                     .order_by("-fulfilled_on")),
        "broken": list(qs.filter(state=CommitmentState.BREACHED, breached_on__lte=as_of)
                       .order_by("-breached_on")),
        "open": list(qs.filter(state=CommitmentState.OPEN).order_by("deadline")),
    }


# --- the home page ----
def home(*, limit: int = 5) -> dict[str, Any]:
    return {
        "black": list(black_list()[:limit]),
        "red": list(red_list()[:limit]),
        "cases": list(typical_cases()[:limit]),
        "sanctions": list(sanctions()[:limit]),
        "results": list(inspection_results()[:limit]),
        "plans": list(inspection_plans()[:limit]),
        "models": published_models(),
        "key_public": conf.publish_key_supervision(),
    }
