"""Reads for credit checks: resolving the subject, the facts a check sees, the rule book,
what officers and the lead department see, and the feedback table.

Grades come from `scoring.selectors.current_evaluation` and list memberships from the in-force
querysets of `lists.selectors` (both to the left of approvals in the flow); `grade_facts` and
`list_memberships` are the only two places that know their shapes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils.translation import gettext as _

from accounts.models import User
from approvals import permissions, prepared
from approvals.caching import ProcessCache, clear_all, invalidate_on
from approvals.measures import Facts, GradeFacts, MeasureDef, RuleBook, RuleDef
from approvals.models import (
    CheckMeasure,
    Commitment,
    CommitmentState,
    CreditCheck,
    Matter,
    MatterMaterial,
    Measure,
    Rule,
    RuleSet,
    RuleSetStatus,
)
from approvals.rules import commitment_due_soon_until
from common import clock
from common.errors import NotFound, ValidationFailed
from records.models import CreditRecord, Polarity, RecordState
from scoring.models import CurrentBatch, Evaluation, EvaluationBatch, ScoringModel
from subjects.identifiers import looks_like_code, normalise, validate_subject_code
from subjects.models import Subject
from subjects.selectors import search_subjects
from supervision.models import SupervisionMeasure

MAX_CHOICES = 20


class SubjectChoiceRequired(Exception):
    """A name matched several subjects (current or former names): the officer must choose."""

    def __init__(self, candidates: list[Subject]) -> None:
        super().__init__("several subjects match")
        self.candidates = candidates


# --- the subject -------------------------------------------------------------------------------
def _format_error(raw: str) -> ValidationFailed | None:
    """The identifier check's own refusal for a code nobody is registered under.

    A code is either a USCC (GB 32100) or a resident ID number (GB 11643); the error reported is
    the one of the kind the input resembles (17 leading digits: an ID number).
    """
    code = normalise(raw)
    errors: dict[str, ValidationFailed] = {}
    for kind in (Subject.Kind.ENTERPRISE, Subject.Kind.INDIVIDUAL):
        try:
            validate_subject_code(raw, kind=kind)
        except ValidationFailed as exc:
            errors[kind] = exc
        else:
            return None  # well-formed: simply not registered
    individual = len(code) == 18 and code[:17].isdigit()
    return errors[Subject.Kind.INDIVIDUAL if individual else Subject.Kind.ENTERPRISE]


def with_current_evaluation(qs: QuerySet[Subject]) -> QuerySet[Subject]:
    """Subjects annotated with their row in their category's current batch (`ev_batch`,
    `ev_grade`, `ev_score`, `ev_as_of`; all None without one), so the check reads the subject
    and its grade in one query (`grade_facts` uses them)."""
    current = CurrentBatch.objects.filter(category=OuterRef(OuterRef("category"))).values(
        "batch_id")[:1]
    row = Evaluation.objects.filter(subject=OuterRef("pk"), batch_id=Subquery(current)).order_by()
    return qs.annotate(**{f"ev_{name}": Subquery(row.values(field)[:1])
                          for name, field in (("batch", "batch_id"), ("grade", "grade"),
                                              ("score", "score"), ("as_of", "as_of"))})


def subject_by_code(*, code: str, with_evaluation: bool = False) -> Subject:
    """The subject registered under `code`; a malformed code is a 422 naming what is wrong
    (the identifier check's code, e.g. `bad_check_character`), a well-formed unknown one 404.
    `with_evaluation` reads its current evaluation in the same query (`with_current_evaluation`)."""
    normalised = normalise(code)
    found: list[Any] = []
    if normalised and with_evaluation and connection.vendor == "postgresql":
        found = _subject_with_check_reads(normalised)
    elif normalised and with_evaluation:  # the API's hot path: compiled once per process
        found = prepared.instances("subject_by_code", _subject_with_evaluation, normalised,
                                   Subject, sentinel=prepared.SENTINEL_TEXT)
    elif normalised:
        found = list(Subject.objects.filter(code=normalised).order_by()[:1])
    if found:
        return found[0]
    error = _format_error(code)
    if error is not None:
        raise error
    raise NotFound("subject_not_found", _("No credit subject with this code was found."),
                   field="code")


def _subject_with_evaluation(code: str) -> QuerySet[Subject]:
    return with_current_evaluation(Subject.objects.filter(code=code).order_by())[:1]


@lru_cache(maxsize=1)
def _probe_tags() -> tuple[tuple[str, str], ...]:
    """The probe's EXISTS columns in order: (column name, the tag `probe_subject` answers). The
    eligibility conditions are the shipped catalogue, fixed per process."""
    from lists.eligibility import catalogue as eligibility_catalogue

    return (*((f"probe_list_{kind}", PROBE_LISTS) for kind in ("black", "red", "key")),
            ("probe_commitments", PROBE_COMMITMENTS),
            *((f"probe_condition_{n}", condition.code)
              for n, condition in enumerate(eligibility_catalogue()[1])))


def _probe_columns(*, as_of: dt.date) -> dict[str, Exists]:
    """`probe_subject`'s arms as EXISTS columns of the subject's own row (named as in
    `_probe_tags`)."""
    from lists import selectors as lists_selectors
    from lists.eligibility import condition_probes

    subject = OuterRef("pk")
    exists = [*(Exists(lists_selectors.in_force(kind).filter(subject=subject))
                for kind in ("black", "red", "key")),
              Exists(Commitment.objects.filter(
                  subject=subject, state__in=[CommitmentState.OPEN, CommitmentState.BREACHED])),
              *(Exists(probe) for probe in condition_probes(subject_id=subject, as_of=as_of))]
    return {name: e for (name, _tag), e in zip(_probe_tags(), exists, strict=True)}


def _probed_of(subject: Subject) -> set[str]:
    """The tags of the probe columns that hold on a subject read with `_probe_columns` (the
    bulk check; a single check reads the subject's row and `probe_subject`'s UNION, measured
    cheaper on SQLite: 0.05 + 0.19 ms against 0.44 ms for the row with these columns)."""
    return {tag for name, tag in _probe_tags() if getattr(subject, name)}


def _subject_with_check_reads(code: str) -> list[Subject]:
    """PostgreSQL: the subject with its grade, its bad records and its probe (today's) in one
    round trip (`prepared.rows_batch`), the last two by the code (a subquery for the subject's
    id), kept on the subject for `gather_facts`, which then reads nothing."""
    as_of = clock.today()

    def records(sentinel: str) -> QuerySet:
        return _bad_records(CreditRecord.objects.filter(subject_id=_id_of_code(sentinel)))

    def probe(sentinel: str) -> QuerySet:
        _key, build, _id = _probe_read(0, as_of)
        return build(_id_of_code(sentinel))

    subject_read = ("subject_by_code", _subject_with_evaluation, code)
    subject_rows, record_rows, probe_rows = prepared.rows_batch(
        [subject_read, ("bad_records_by_code", records, code),
         (("probe_by_code", as_of), probe, code)], sentinel=prepared.SENTINEL_TEXT)
    found = prepared.as_instances(subject_read, subject_rows, Subject,
                                  sentinel=prepared.SENTINEL_TEXT)
    for subject in found:
        subject._check_reads = (as_of, _bad_records_of(record_rows),  # type: ignore[attr-defined]
                                {tag for (tag,) in probe_rows})
    return found


def _id_of_code(code: str) -> Subquery:
    return Subquery(Subject.objects.filter(code=code).values("pk")[:1])


def code_refusal(*, code: str) -> ValidationFailed | NotFound:
    """Why no subject answers to `code` (no query): the identifier check's refusal of a
    malformed code, else "not registered" — what `subject_by_code` raises, for a bulk check
    that answers each code on its own."""
    return _format_error(code) or NotFound(
        "subject_not_found", _("No credit subject with this code was found."), field="code")


def _code_attempt(term: str) -> bool:
    """ASCII letters and digits only, with a digit: a (mistyped) code, never a name, so it gets
    the identifier check's exact refusal rather than an empty name search."""
    text = normalise(term)
    return text.isascii() and text.isalnum() and any(c.isdigit() for c in text)


def resolve_subject(*, code_or_name: str, with_evaluation: bool = False) -> Subject:
    """A whole code → that subject; a name → the one subject whose current or former name it
    is exactly, else `SubjectChoiceRequired` with every subject whose names contain it."""
    term = " ".join(str(code_or_name or "").split())
    if not term:
        raise ValidationFailed("required", _("Enter a code or a name."), field="code")
    if looks_like_code(term) or _code_attempt(term):
        return subject_by_code(code=term, with_evaluation=with_evaluation)
    candidates, _total = search_subjects(q=term, limit=MAX_CHOICES)
    if not candidates:
        raise NotFound("subject_not_found", _("No credit subject with this name was found."),
                       field="code")
    exact = [s for s in candidates if s.name == term]
    if len(exact) == 1 and len(candidates) == 1:
        return exact[0]
    raise SubjectChoiceRequired(candidates)


# Catalogue rows a check reads every time, kept per process (`approvals.caching`: dropped on
# save in this process, expired after a minute in the others).
_matters = ProcessCache("matters")
invalidate_on(_matters, Matter, MatterMaterial)
_rule_sets = ProcessCache("rule_sets")
invalidate_on(_rule_sets, RuleSet)
_books = ProcessCache("rule_books")
invalidate_on(_books, RuleSet, Rule, Measure)
_grade_measures = ProcessCache("grade_measures")
invalidate_on(_grade_measures, SupervisionMeasure)
_batches = ProcessCache("batches")
invalidate_on(_batches, ScoringModel)


def matter_by_code(*, code: str) -> Matter:
    """The active matter with this code (kept per process, see `_matters`)."""
    code = str(code or "").strip()
    matter = _matters.get(code, lambda: Matter.objects.filter(code=code, is_active=True)
                          .order_by().first())
    if matter is None:
        raise NotFound("matter_not_found", _("No matter with this code is in the catalogue."),
                       field="matter")
    return matter


def active_matters() -> QuerySet[Matter]:
    return Matter.objects.filter(is_active=True).prefetch_related("materials")


# --- facts -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _BatchInfo:
    as_of: dt.date
    model_label: str
    model_name: str
    grade_names: tuple[str, ...]


def _batch_info(batch_id: int) -> _BatchInfo:
    """A batch's date and its model's label and parsed grade list, kept per process (a built
    batch never changes; a model edit drops the cache)."""
    def load() -> _BatchInfo:
        batch = EvaluationBatch.objects.select_related("model").get(pk=batch_id)
        model = batch.model
        grades = (model.spec or {}).get("grades", [])
        return _BatchInfo(as_of=batch.as_of, model_label=f"{model.code}:{model.version}",
                          model_name=model.name, grade_names=tuple(g["name"] for g in grades))

    return _batches.get(batch_id, load)


def _grade_from(*, grade: str, score: Any, as_of: dt.date | None, batch_id: int) -> GradeFacts:
    info = _batch_info(batch_id)
    names = info.grade_names
    rank = names.index(grade) if grade in names else None
    return GradeFacts(
        grade=grade, score=str(score), rank=rank,
        lowest=rank is None or rank == len(names) - 1, grade_names=names,
        batch_id=batch_id, batch_as_of=info.as_of, evaluated_as_of=as_of or info.as_of,
        model_label=info.model_label, model_name=info.model_name,
    )


def grade_facts(*, subject: Subject) -> GradeFacts | None:
    """The subject's grade in its category's current batch. Read from the annotations of
    `with_current_evaluation` when the subject carries them (no query), else adapter over
    `scoring.selectors.current_evaluation`; the rank is the grade's place in the model's list."""
    if hasattr(subject, "ev_batch"):
        if subject.ev_batch is None:
            return None
        return _grade_from(grade=subject.ev_grade, score=subject.ev_score,
                           as_of=subject.ev_as_of, batch_id=subject.ev_batch)
    from scoring.selectors import current_evaluation

    found: Any = current_evaluation(subject=subject)
    if found is None:
        return None
    if isinstance(found, tuple):
        evaluation, batch, model = found
    else:
        evaluation, batch = found, found.batch
        model = batch.model
    names = tuple(g["name"] for g in (model.spec or {}).get("grades", []))
    grade = evaluation.grade
    rank = names.index(grade) if grade in names else None
    return GradeFacts(
        grade=grade, score=str(evaluation.score), rank=rank,
        lowest=rank is None or rank == len(names) - 1, grade_names=names,
        batch_id=batch.pk, batch_as_of=batch.as_of,
        evaluated_as_of=evaluation.as_of or batch.as_of,
        model_label=f"{model.code}:{model.version}", model_name=model.name,
    )


def _tagged(qs: QuerySet, tag: str) -> QuerySet:
    return qs.order_by().annotate(probe=Value(tag, output_field=CharField())).values_list("probe")


def _list_probes(subject: Subject | int) -> list[QuerySet]:
    from lists import selectors as lists_selectors

    return [_tagged(lists_selectors.in_force(kind).filter(subject=subject), PROBE_LISTS)
            for kind in ("black", "red", "key")]


def _commitment_probe(subject: Subject | int) -> QuerySet:
    return _tagged(Commitment.objects.filter(
        subject=subject, state__in=[CommitmentState.OPEN, CommitmentState.BREACHED]),
        PROBE_COMMITMENTS)


PROBE_LISTS = "~lists"
PROBE_COMMITMENTS = "~commitments"


def probe_subject(*, subject: Subject, as_of: dt.date) -> set[str]:
    """One UNION query telling which of the rarely present facts the subject has at all: an
    entry on a list (`PROBE_LISTS`), an open or breached commitment (`PROBE_COMMITMENTS`), and
    the codes of the eligibility conditions that may hold (`lists.eligibility`). Nearly every
    subject has none, so the check reads those facts in full only where the probe found rows."""
    return {tag for (tag,) in prepared.rows(*_probe_read(subject.pk, as_of))}


def _probe_read(subject_id: int, as_of: dt.date) -> prepared.Read:
    """The probe as a prepared read: its SQL depends on the day (dates derived from `as_of`)."""
    def build(sentinel: int) -> QuerySet:
        from lists.eligibility import condition_probes

        probes = [*_list_probes(sentinel), _commitment_probe(sentinel),
                  *condition_probes(subject_id=sentinel, as_of=as_of)]
        return probes[0].union(*probes[1:])

    return ("probe_subject", as_of), build, subject_id


def list_memberships(*, subject: Subject, probed: set[str] | None = None
                     ) -> list[dict[str, Any]]:
    """Red, black and key-supervision entries in force for the subject (`probed`: the answer of
    `probe_subject`, which spares the query when the subject is on no list).

    Adapter: `lists.selectors` offers in-force querysets per list (`red_in_force`, …) but no
    per-subject selector yet; when it does, this is the one function to switch over.
    """
    # One UNION query tells whether the subject is on any list at all (almost never): only then
    # are the entries read in full.
    if probed is None:
        probe = _list_probes(subject)
        if not list(probe[0].union(*probe[1:], all=True)[:1]):
            return []
    elif PROBE_LISTS not in probed:
        return []
    return list_memberships_for(subject_ids=[subject.pk]).get(subject.pk, [])


def list_memberships_for(*, subject_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The red, black and key-supervision entries in force of many subjects in three queries
    (one per list, whatever the number of subjects): subject id → entries, black first."""
    from lists import selectors as lists_selectors

    def day(value: dt.date | None) -> str | None:
        return value.isoformat() if value else None

    out: dict[int, list[dict[str, Any]]] = {}
    if not subject_ids:
        return out
    for e in lists_selectors.black_in_force().filter(subject_id__in=subject_ids):
        out.setdefault(e.subject_id, []).append({
            "kind": "black", "label": "严重失信主体名单（黑名单）", "reference": e.decision_number,
            "since": day(e.effective_from), "until": day(e.effective_until),
            "summary": _("On the black list since %(since)s until %(until)s: %(ground)s "
                         "(decision %(number)s).") % {
                "since": day(e.effective_from) or "—", "until": day(e.effective_until) or "—",
                "ground": e.ground.name, "number": e.decision_number or "—"},
        })
    for e in lists_selectors.red_in_force().filter(subject_id__in=subject_ids):
        out.setdefault(e.subject_id, []).append({
            "kind": "red", "label": "诚信红榜（红名单）", "reference": e.decision_number,
            "since": day(e.effective_from), "until": day(e.effective_until),
            "summary": _("On the red list since %(since)s until %(until)s (decision "
                         "%(number)s).") % {
                "since": day(e.effective_from) or "—", "until": day(e.effective_until) or "—",
                "number": e.decision_number or "—"},
        })
    for e in lists_selectors.key_in_force().filter(subject_id__in=subject_ids):
        out.setdefault(e.subject_id, []).append({
            "kind": "key", "label": "重点监管对象", "reference": e.get_rule_display(),
            "since": day(e.entered_on), "until": None,
            "summary": _("Under key supervision since %(since)s: %(reason)s") % {
                "since": day(e.entered_on) or "—", "reason": e.reason},
        })
    return out


def effective_bad_records(*, subject: Subject) -> list[dict[str, Any]]:
    """Every effective bad record of the subject (no internal notes): the rules decide which
    count (publicity still running, decided within a window). The statement is compiled once
    per process (`approvals.prepared`)."""
    return _bad_records_of(prepared.rows(*_bad_records_read(subject.pk)))


def _bad_records_read(subject_id: int) -> prepared.Read:
    return ("effective_bad_records",
            lambda sentinel: _bad_records(CreditRecord.objects.filter(subject_id=sentinel)),
            subject_id)


def _bad_records_of(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [_bad_record(dict(zip(_BAD_RECORD_COLUMNS, row, strict=True))) for row in rows]


_BAD_RECORD_COLUMNS = ("id", "subject_id", "record_type__code", "record_type__name",
                       "record_type__severity", "document_number", "decided_on",
                       "publicity_ends_on", "source_department__name")


def _bad_records(qs: QuerySet[CreditRecord]) -> QuerySet:
    return (qs.filter(state=RecordState.EFFECTIVE, record_type__polarity=Polarity.BAD)
            .order_by("-decided_on", "-id").values_list(*_BAD_RECORD_COLUMNS))


def _bad_record(r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "type_code": r["record_type__code"], "type": r["record_type__name"],
            "severity": r["record_type__severity"], "document_number": r["document_number"],
            "decided_on": r["decided_on"], "publicity_ends_on": r["publicity_ends_on"],
            "department": r["source_department__name"]}


def effective_bad_records_for(*, subject_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """`effective_bad_records` of many subjects in one query: subject id → records."""
    out: dict[int, list[dict[str, Any]]] = {}
    if not subject_ids:
        return out
    for row in _bad_records(CreditRecord.objects.filter(subject_id__in=subject_ids)):
        r = dict(zip(_BAD_RECORD_COLUMNS, row, strict=True))
        out.setdefault(r["subject_id"], []).append(_bad_record(r))
    return out


def commitment_warnings(*, subject: Subject, as_of: dt.date, probed: set[str] | None = None
                        ) -> list[dict[str, Any]]:
    """What checks must show about the subject's commitments before any record is effective:
    a breach waiting for review, and a commitment already past its deadline (`probed` as in
    `list_memberships`)."""
    warnings: list[dict[str, Any]] = []
    if probed is not None:
        if PROBE_COMMITMENTS not in probed:
            return warnings
    elif not Commitment.objects.filter(subject=subject, state__in=[
            CommitmentState.OPEN, CommitmentState.BREACHED]).order_by().values("pk")[:1]:
        return warnings  # the common case: no open or breached commitment at all
    return commitment_warnings_for(subject_ids=[subject.pk], as_of=as_of).get(subject.pk, [])


def commitment_warnings_for(*, subject_ids: list[int], as_of: dt.date
                            ) -> dict[int, list[dict[str, Any]]]:
    """`commitment_warnings` of many subjects in one query: subject id → warnings."""
    out: dict[int, list[dict[str, Any]]] = {}
    if not subject_ids:
        return out
    rows = (Commitment.objects.filter(subject_id__in=subject_ids)
            .filter(Q(state=CommitmentState.OPEN, deadline__lt=as_of)
                    | Q(state=CommitmentState.BREACHED,
                        outcome_record__state=RecordState.SUBMITTED))
            .select_related("credit_check", "matter", "outcome_record"))
    for c in rows:
        warnings = out.setdefault(c.subject_id, [])
        if c.state == CommitmentState.BREACHED:
            warnings.append({
                "code": "breach_pending_review", "commitment": c.credit_check.number,
                "message": _("Breach of the commitment made on check %(number)s (%(matter)s, "
                             "deadline %(deadline)s) is pending review as record %(doc)s.") % {
                    "number": c.credit_check.number, "matter": c.matter.name,
                    "deadline": c.deadline.isoformat(), "doc": c.outcome_record.document_number},
            })
        else:
            warnings.append({
                "code": "commitment_overdue", "commitment": c.credit_check.number,
                "message": _("The commitment made on check %(number)s (%(matter)s) passed its "
                             "deadline %(deadline)s without the materials.") % {
                    "number": c.credit_check.number, "matter": c.matter.name,
                    "deadline": c.deadline.isoformat()},
            })
    return out


def supervision_measures(*, subject: Subject, grade: GradeFacts | None) -> tuple[str, ...]:
    """The incentive and restriction codes the supervision measures table gives the subject's
    grade (UNGRADED without one): approvals reads grade → measures there, never a copy."""
    from supervision.models import UNGRADED
    from supervision.selectors import measures_for

    key = (subject.category, grade.grade if grade else UNGRADED)

    def load() -> tuple[str, ...]:
        row = measures_for(category=key[0], grade=key[1])
        return tuple(row.incentives) + tuple(row.restrictions) if row else ()

    return _grade_measures.get(key, load)


def ineligible_incentives(*, subject: Subject, as_of: dt.date, probed: set[str] | None = None,
                          records: list[dict[str, Any]] | None = None
                          ) -> dict[str, tuple[dict[str, Any], ...]]:
    """incentive code → the eligibility conditions refusing it (`lists.eligibility`: bad record
    in force, sanction, key supervision, black list, broken commitment), as plain dicts
    (`probed`: only the conditions `probe_subject` found rows for are evaluated; `records`: the
    subject's effective bad records as `effective_bad_records` read them, so the bad-record
    condition is decided from them without a query of its own)."""
    from lists.eligibility import refused_incentives

    return {code: tuple(r.as_dict() for r in found)
            for code, found in refused_incentives(subject_id=subject.pk, as_of=as_of,
                                                  holding=probed, bad_records=records).items()}


def ineligible_incentives_for(*, probed_of: dict[int, set[str]], as_of: dt.date
                              ) -> dict[int, dict[str, tuple[dict[str, Any], ...]]]:
    """`ineligible_incentives` of many subjects (the bulk check), set-based: each eligibility
    condition is read once for all the subjects whose probe found its rows
    (`lists.eligibility.refused_incentives_for`), not once per subject."""
    from lists.eligibility import refused_incentives_for

    return {subject_id: {code: tuple(r.as_dict() for r in found)
                         for code, found in refused.items()}
            for subject_id, refused in refused_incentives_for(holding=probed_of,
                                                              as_of=as_of).items()}


def gather_facts(*, subject: Subject, as_of: dt.date
                 ) -> tuple[Facts, list[dict[str, Any]], set[str]]:
    """The facts the rules read, the bad records in force (for the check's summary) and the
    probe's answer (`probe_subject`, for `commitment_warnings`).

    A clean subject read with `with_current_evaluation` costs three queries: the probe, the
    bad records, and the subject with its grade before this; catalogue rows come from the
    per-process caches."""
    read_with_subject = getattr(subject, "_check_reads", None)
    if read_with_subject is not None and read_with_subject[0] == as_of:
        _day, records, probed = read_with_subject  # PostgreSQL: read with the subject
    else:
        # One round trip on PostgreSQL (`prepared.rows_batch`): the same statements as
        # `effective_bad_records` and `probe_subject`.
        record_rows, probe_rows = prepared.rows_batch(
            [_bad_records_read(subject.pk), _probe_read(subject.pk, as_of)])
        records = _bad_records_of(record_rows)
        probed = {tag for (tag,) in probe_rows}
    facts = facts_of(subject=subject, as_of=as_of, records=records, probed=probed,
                     lists=list_memberships(subject=subject, probed=probed))
    return facts, records, probed


def facts_of(*, subject: Subject, as_of: dt.date, records: list[dict[str, Any]],
             probed: set[str], lists: list[dict[str, Any]],
             ineligible: dict[str, tuple[dict[str, Any], ...]] | None = None) -> Facts:
    """The facts of one subject from what was read for it (alone or with many others): no
    query for a clean subject; the eligibility conditions its probe found are read in full,
    unless `ineligible` was read already for many subjects (`ineligible_incentives_for`)."""
    grade = grade_facts(subject=subject)
    known = subject.established_on or (subject.created_at.date() if subject.created_at else None)
    if ineligible is None:
        ineligible = ineligible_incentives(subject=subject, as_of=as_of, probed=probed,
                                           records=records)
    return Facts(as_of=as_of, category=subject.category, known_since=known, grade=grade,
                 lists=tuple(lists), bad_records=tuple(records), ineligible=ineligible,
                 grade_measures=supervision_measures(subject=subject, grade=grade))


def subjects_for_bulk_check(*, codes: list[str], as_of: dt.date
                            ) -> dict[str, tuple[Subject, set[str]]]:
    """Many subjects by whole (normalised) code, each with its current grade and the answer of
    `probe_subject` — all in one query, whatever the number of codes: the probes become EXISTS
    columns of the subjects' own row. Codes nobody is registered under are absent."""
    columns = _probe_columns(as_of=as_of)
    qs = with_current_evaluation(Subject.objects.filter(code__in=codes).order_by()).annotate(
        **columns)
    return {s.code: (s, _probed_of(s)) for s in qs}


# --- the rule book ----------------------------------------------------------------------------
def forget_rule_books() -> None:
    """Drop every cached catalogue row: rule books, rule sets, matters, grade measures, batches,
    settings (bulk catalogue edits that send no signals; tests)."""
    clear_all()


def current_rule_set(*, as_of: dt.date) -> RuleSet:
    """The published rule set in effect on `as_of` (kept per process, see `_rule_sets`)."""
    rule_set = _rule_sets.get(as_of, lambda: (
        RuleSet.objects.filter(status=RuleSetStatus.PUBLISHED, effective_from__lte=as_of)
        .order_by("-effective_from", "-version").first()))
    if rule_set is None:
        raise NotFound("no_rule_set", _("No published rule set is in effect; the credit check "
                                        "cannot derive measures."))
    return rule_set


def rule_book(*, rule_set: RuleSet) -> RuleBook:
    """The rules of a published set with their measures, as plain data (kept per process, see
    `_books`: a published set is frozen, only measure wording can change in the admin)."""
    return _books.get(rule_set.pk, lambda: _load_rule_book(rule_set))


def _load_rule_book(rule_set: RuleSet) -> RuleBook:
    measures: dict[str, MeasureDef] = {}
    for m in Measure.objects.filter(is_active=True).prefetch_related("cancels"):
        measures[m.code] = MeasureDef(
            id=m.pk, code=m.code, name=m.name, kind=m.kind, legal_basis=m.legal_basis,
            matter_kinds=tuple(m.matter_kinds or ()), sort=m.sort,
            cancels=tuple(c.code for c in m.cancels.all() if c.is_active))
    rules = tuple(
        RuleDef(code=r.code, name=r.name, condition=r.condition, params=dict(r.params or {}),
                categories=tuple(r.categories or ()),
                matter_codes=tuple(m.code for m in r.matters.all()),
                measures=tuple(m.code for m in r.measures.all()), legal_basis=r.legal_basis)
        for r in rule_set.rules.prefetch_related("matters", "measures").order_by("sort", "code")
    )
    return RuleBook(rule_set_id=rule_set.pk, label=rule_set.label, name=rule_set.name,
                    rules=rules, measures=measures)


# --- checks as users see them -----------------------------------------------------------------
def visible_checks(*, user: User) -> QuerySet[CreditCheck]:
    qs = CreditCheck.objects.select_related("subject", "matter", "asked_by", "department")
    if permissions.can_oversee(user):
        return qs
    if not permissions.can_see(user, user.department_id):
        return qs.none()
    return qs.filter(department_id=user.department_id)


def check_by_number(*, user: User, number: str) -> CreditCheck:
    check = visible_checks(user=user).filter(number=str(number).strip().upper()).first()
    if check is None:
        raise NotFound("check_not_found", _("No credit check with this number was found."),
                       field="number")
    return check


def check_payload(*, check: CreditCheck) -> dict[str, Any]:
    """What the page and the API show for a check: the stored snapshot, unchanged."""
    return dict(check.result)


def _grade_name(result: dict[str, Any]) -> str:
    return (result.get("grade") or {}).get("grade") or "—"


def _list_labels(result: dict[str, Any]) -> set[str]:
    return {m["label"] for m in result.get("lists", [])}


def _measure_names(result: dict[str, Any]) -> dict[str, str]:
    return {m["code"]: m["name"] for m in result.get("measures", [])}


def changes_since_previous(*, check: CreditCheck) -> tuple[CreditCheck | None, list[str]]:
    """The subject's previous check (any matter) and what differs since: grade, lists, bad
    records in force, measures (DESIGN.md: re-checks highlight the changes since the last)."""
    earlier = Q(checked_at__lt=check.checked_at) | Q(checked_at=check.checked_at,
                                                      pk__lt=check.pk)
    previous = (CreditCheck.objects.filter(earlier, subject_id=check.subject_id)
                .order_by("-checked_at", "-id").first())
    if previous is None:
        return None, []
    old, new = previous.result, check.result
    changes: list[str] = []
    if _grade_name(old) != _grade_name(new):
        changes.append(_("Grade: %(old)s → %(new)s")
                       % {"old": _grade_name(old), "new": _grade_name(new)})
    for label in sorted(_list_labels(new) - _list_labels(old)):
        changes.append(_("Now on: %(list)s") % {"list": label})
    for label in sorted(_list_labels(old) - _list_labels(new)):
        changes.append(_("No longer on: %(list)s") % {"list": label})
    before, after = old["bad_records"]["count"], new["bad_records"]["count"]
    if before != after:
        changes.append(_("Bad records in force: %(old)d → %(new)d")
                       % {"old": before, "new": after})
    old_measures, new_measures = _measure_names(old), _measure_names(new)
    for code, name in new_measures.items():
        if code not in old_measures:
            changes.append(_("New measure: %(m)s") % {"m": name})
    for code, name in old_measures.items():
        if code not in new_measures:
            changes.append(_("Measure no longer applies: %(m)s") % {"m": name})
    return previous, changes


def public_summary(*, number: str) -> dict[str, Any] | None:
    """What anyone may see when verifying a certificate: number, date, subject name, enterprise
    code (never an ID number; an individual's name is shown with the given name masked),
    matter, and the measures by name. No grade, records, reasons or internal notes."""
    check = (CreditCheck.objects.select_related("subject", "matter")
             .filter(number=str(number or "").strip().upper()).first())
    if check is None:
        return None
    return public_summary_of(check=check)


def public_summary_of(*, check: CreditCheck) -> dict[str, Any]:
    """`public_summary` of a check in hand (its subject and matter loaded): no query, so the
    verification document of a check just stored is written without reading the check back."""
    subject = check.subject
    individual = subject.kind == Subject.Kind.INDIVIDUAL
    # The snapshot says what the platform answered; a snapshot kept by an older version may
    # lack a part, which then falls back to the stored subject and matter.
    seen = check.result.get("subject") or {}
    name = seen.get("name") or subject.name
    measures = check.result.get("measures") or []
    return {
        "number": check.number,
        "checked_on": check.as_of,
        "subject_name": (name[:1] + "*" * (len(name) - 1)) if individual else name,
        "subject_code": None if individual else seen.get("code", subject.code),
        "matter": (check.result.get("matter") or {}).get("name") or check.matter.name,
        "incentives": [m["name"] for m in measures if m["kind"] == "incentive"],
        "restrictions": [m["name"] for m in measures if m["kind"] == "restriction"],
        "accept_with_missing": check.accept_with_missing,
    }


# --- commitments -------------------------------------------------------------------------------
def visible_commitments(*, user: User) -> QuerySet[Commitment]:
    qs = Commitment.objects.select_related("credit_check", "subject", "matter", "department",
                                           "outcome_record")
    if permissions.can_oversee(user):
        return qs
    if not permissions.can_see(user, user.department_id):
        return qs.none()
    return qs.filter(department_id=user.department_id)


@dataclass(frozen=True)
class CommitmentBoard:
    overdue: list[Commitment]
    due_soon: list[Commitment]
    open_later: list[Commitment]
    breach_pending: list[Commitment]
    due_soon_until: dt.date


def commitment_board(*, user: User) -> CommitmentBoard:
    """Open commitments this user sees, split into overdue, due soon and later, plus breaches
    still waiting for the lead department's review."""
    today = clock.today()
    until = commitment_due_soon_until(today=today)
    qs = visible_commitments(user=user)
    open_ = list(qs.filter(state=CommitmentState.OPEN).order_by("deadline", "id"))
    return CommitmentBoard(
        overdue=[c for c in open_ if c.deadline < today],
        due_soon=[c for c in open_ if today <= c.deadline <= until],
        open_later=[c for c in open_ if c.deadline > until],
        breach_pending=list(qs.filter(state=CommitmentState.BREACHED,
                                      outcome_record__state=RecordState.SUBMITTED)
                            .order_by("breached_on", "id")),
        due_soon_until=until,
    )


# --- feedback ----------------------------------------------------------------------------------
def feedback_overdue(*, user: User) -> QuerySet[CreditCheck]:
    """Checks whose feedback is past due (跟踪问效), oldest first."""
    return (visible_checks(user=user)
            .filter(needs_feedback=True, feedback_at__isnull=True,
                    feedback_due_on__lt=clock.today())
            .order_by("feedback_due_on", "id"))


def feedback_pending(*, user: User) -> QuerySet[CreditCheck]:
    return (visible_checks(user=user)
            .filter(needs_feedback=True, feedback_at__isnull=True)
            .order_by("feedback_due_on", "id"))


def feedback_table(*, user: User, since: dt.date | None = None, until: dt.date | None = None
                   ) -> list[dict[str, Any]]:
    """Per department and measure: checks made, measures due, applied, not applied, feedback
    missing and overdue; plus one total row per department (measure ""), in one query (a
    UNION of two GROUP BYs), as the lead department's table.

    "checks" on a measure row counts the checks that carried the measure; on the total row, every
    check the department made (with or without measures).
    """
    today = clock.today()
    checks = CreditCheck.objects.all()
    if not permissions.can_oversee(user):
        checks = checks.filter(department_id=user.department_id)
    if since:
        checks = checks.filter(as_of__gte=since)
    if until:
        checks = checks.filter(as_of__lte=until)

    columns = ("dept", "m_code", "m_name", "m_kind", "n_checks", "n_due", "n_applied",
               "n_not_applied", "n_missing", "n_overdue")
    per_measure = (
        CheckMeasure.objects.filter(credit_check__in=checks.values("pk")).order_by()
        .values(dept=F("credit_check__department__name"), m_code=F("code"), m_name=F("name"),
                m_kind=F("kind"))
        .annotate(n_checks=Count("credit_check_id", distinct=True), n_due=Count("id"),
                  n_applied=Count("id", filter=Q(applied=True)),
                  n_not_applied=Count("id", filter=Q(applied=False)),
                  n_missing=Count("id", filter=Q(applied__isnull=True)),
                  n_overdue=Count("id", filter=Q(applied__isnull=True,
                                                 credit_check__feedback_due_on__lt=today)))
        .values(*columns)
    )
    totals = (
        checks.order_by().values(dept=F("department__name"))
        .annotate(m_code=Value(""), m_name=Value(""), m_kind=Value(""),
                  n_checks=Count("id", distinct=True), n_due=Count("measures"),
                  n_applied=Count("measures", filter=Q(measures__applied=True)),
                  n_not_applied=Count("measures", filter=Q(measures__applied=False)),
                  n_missing=Count("measures", filter=Q(measures__applied__isnull=True)),
                  n_overdue=Count("measures", filter=Q(measures__applied__isnull=True,
                                                       feedback_due_on__lt=today),
                                  output_field=IntegerField()))
        .values(*columns)
    )
    rows = per_measure.union(totals, all=True).order_by("dept", "m_code")
    return [{"dept": r["dept"], "measure": r["m_code"], "measure_name": r["m_name"],
             "measure_kind": r["m_kind"], "checks": r["n_checks"], "due": r["n_due"],
             "applied": r["n_applied"], "not_applied": r["n_not_applied"],
             "missing": r["n_missing"], "overdue": r["n_overdue"]} for r in rows]


def not_applied_reasons(*, user: User, limit: int = 50) -> QuerySet[CheckMeasure]:
    """The latest reasons officers gave for measures they did not apply."""
    qs = CheckMeasure.objects.filter(applied=False).select_related(
        "credit_check", "credit_check__department", "credit_check__subject")
    if not permissions.can_oversee(user):
        qs = qs.filter(credit_check__department_id=user.department_id)
    return qs.order_by("-credit_check__feedback_at", "-id")[:limit]
