"""The shipped catalogue: the housing sector's matters, the measures and rule set v1, as data.

The data lives in `approvals/fixtures/approvals_catalogue.json` (plain JSON, not a loaddata
fixture): matters with their materials and which of them may be missing on commitment;
measures with their legal basis and which incentives each restriction cancels; rule set v1
mapping grade, lists and records to measures. Installed by
migration 0002, and again by tests after a transactional flush. Idempotent, and never overwrites
a row an administrator changed: rows are created only when their code is missing.

Numbers marked [M] are assumptions REFERENCE.md could not confirm; they are data (editable in
the admin) rather than code. Promised processing times follow each matter's regulation where it
gives one and 行政许可法 第四十二条 (20 working days) otherwise [M]; the period to supply missing
materials is set per matter and never exceeds the promised time (REFERENCE.md §3).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "fixtures" / "approvals_catalogue.json"


@lru_cache(maxsize=1)
def shipped() -> dict[str, Any]:
    """The shipped catalogue as plain data."""
    return json.loads(DATA.read_text(encoding="utf-8"))


def install(apps: Any, schema_editor: Any = None) -> None:
    """Create the shipped matters, measures and rule set v1 where their codes are missing.

    Takes an app registry so the data migration can pass its historical models.
    """
    data = shipped()
    matter_model = apps.get_model("approvals", "Matter")
    material_model = apps.get_model("approvals", "MatterMaterial")
    measure_model = apps.get_model("approvals", "Measure")
    rule_set_model = apps.get_model("approvals", "RuleSet")
    rule_model = apps.get_model("approvals", "Rule")

    for sort, m in enumerate(data["matters"], start=1):
        matter, created = matter_model.objects.get_or_create(code=m["code"], defaults={
            "name": m["name"], "kind": m["kind"], "subject_categories": m["categories"],
            "legal_basis": m["basis"], "promised_days": m["promised_days"],
            "allows_commitment": m["allows_commitment"],
            "commitment_days": m["commitment_days"], "sort": sort,
        })
        if created:
            material_model.objects.bulk_create([
                material_model(matter=matter, code=x["code"], name=x["name"],
                               essential=x["essential"], why_optional=x["why_optional"], sort=n)
                for n, x in enumerate(m["materials"], start=1)
            ])

    measures = {}
    for m in data["measures"]:
        measures[m["code"]], _created = measure_model.objects.get_or_create(
            code=m["code"], defaults={
                "name": m["name"], "kind": m["kind"], "description": m["description"],
                "legal_basis": m["basis"], "matter_kinds": m["kinds"], "sort": m["sort"]})
    for m in data["measures"]:
        if m["cancels"] and not measures[m["code"]].cancels.exists():
            measures[m["code"]].cancels.set([measures[c] for c in m["cancels"]])

    for rs in data["rule_sets"]:
        if rule_set_model.objects.filter(code=rs["code"], version=rs["version"]).exists():
            continue  # a published version is frozen: never rewritten
        _install_rule_set(rs, rule_set_model, rule_model, measures)


def _install_rule_set(rs: dict[str, Any], rule_set_model: Any, rule_model: Any,
                      measures: dict[str, Any]) -> None:
    rule_set = rule_set_model.objects.create(
        code=rs["code"], version=rs["version"], name=rs["name"], status="published",
        effective_from=dt.date.fromisoformat(rs["effective_from"]),
        published_at=dt.datetime.combine(dt.date.fromisoformat(rs["effective_from"]),
                                         dt.time(0, 0), tzinfo=dt.UTC),
        notes=rs["notes"])
    for sort, r in enumerate(rs["rules"], start=1):
        rule = rule_model.objects.create(
            rule_set=rule_set, code=r["code"], name=r["name"], condition=r["condition"],
            params=r["params"], categories=r["categories"], legal_basis=r["basis"], sort=sort)
        rule.measures.set([measures[c] for c in r["measures"]])


def install_current() -> None:
    """`install` against the live models (tests re-seed after a transactional flush)."""
    from django.apps import apps

    install(apps)
