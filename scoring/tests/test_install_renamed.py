"""`load_scoring_models` on a database installed before the shipped codes were renamed.

The developer and brokerage models were shipped under codes naming another city; they are now
`developer-composite` and `brokerage-composite`. Installing by code must not leave the old code
published beside the new one: each category ends with exactly one published model in force.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from django.core.management import call_command

from audit.models import AuditEvent
from scoring import engine
from scoring.models import ModelStatus, ScoringModel
from scoring.services import SHIPPED_DIR, install_shipped_models

OLD_CODES = {"developer_composite.toml": ("developer-composite", "developer-old-city"),
             "brokerage_composite.toml": ("brokerage-composite", "brokerage-old-city")}


def _old_directory(tmp_path: Path) -> Path:
    for name, (new, old) in OLD_CODES.items():
        text = (SHIPPED_DIR / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace(f'code = "{new}"', f'code = "{old}"'),
                                     encoding="utf-8")
    return tmp_path


def _published() -> Counter[str]:
    return Counter(ScoringModel.objects.filter(status=ModelStatus.PUBLISHED)
                   .values_list("category", flat=True))


def test_renamed_shipped_code_replaces_the_old_one(record_types, tmp_path):
    old = install_shipped_models(publish=True, directory=_old_directory(tmp_path))
    assert {m.code for m in old} == {"developer-old-city", "brokerage-old-city"}

    call_command("load_scoring_models", verbosity=0)

    assert set(_published().values()) == {1}
    for model in old:
        model.refresh_from_db()
        assert model.status == ModelStatus.RETIRED and model.retired_at is not None
        event = AuditEvent.objects.filter(action="scoring.model_install",
                                          target_id=str(model.pk)).last()
        assert event is not None and event.after["status"] == ModelStatus.RETIRED
    for category, code in (("developer", "developer-composite"),
                           ("brokerage", "brokerage-composite")):
        in_force = engine.model_in_effect(category=category, as_of=dt.date(2026, 12, 2))
        assert in_force is not None and in_force.code == code

    call_command("load_scoring_models", verbosity=0)  # idempotent
    assert set(_published().values()) == {1}


def test_drafts_retire_nothing(record_types, tmp_path):
    old = install_shipped_models(publish=True, directory=_old_directory(tmp_path))
    install_shipped_models(publish=False)
    for model in old:
        model.refresh_from_db()
        assert model.status == ModelStatus.PUBLISHED


def test_a_model_an_administrator_published_is_kept(record_types, tmp_path, reviewer):
    old = {m.category: m for m in install_shipped_models(publish=True,
                                                          directory=_old_directory(tmp_path))}
    ScoringModel.objects.filter(pk=old["brokerage"].pk).update(published_by=reviewer)

    install_shipped_models(publish=True)
    for model in old.values():
        model.refresh_from_db()
    assert old["developer"].status == ModelStatus.RETIRED
    assert old["brokerage"].status == ModelStatus.PUBLISHED  # an administrator's decision
