"""Every audit action code the code base emits has words, and the pages show the words.

The scan reads the source (not a list kept by hand): every call of `record_event` (or
`event_statements`, its batched form) with an `action=` argument, whether a literal, a module
constant, a conditional or an f-string. A literal must have its own label; an f-string's parts
are filled from the values the code can put there (the model choices and transitions it is
built from), each of which must be labelled.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from audit.actions import ACTION_LABELS, action_label, is_labelled
from audit.services import SEAL_ACTION, record_event

ROOT = Path(__file__).resolve().parents[2]
# `record_event`, and `event_statements` for a service that batches its writes (the credit
# check): both take the action code as `action=`.
EMITTERS = {"record_event", "event_statements"}
SKIP = {".venv", "tests", "migrations", "bench", "tools", "node_modules"}


def _sources() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py")
                  if not SKIP & set(p.relative_to(ROOT).parts) and p.name != "conftest.py")


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level NAME = "literal" assignments (DRAW_ACTION, SEAL_ACTION...)."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def _codes(node: ast.expr, constants: dict[str, str]) -> list[str]:
    """The action codes an argument expression can produce; an f-string's holes become "{}"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _codes(node.body, constants) + _codes(node.orelse, constants)
    if isinstance(node, ast.Name) and node.id in constants:
        return [constants[node.id]]
    if isinstance(node, ast.JoinedStr):
        return ["".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)]
    raise AssertionError(f"cannot read an action code from {ast.unparse(node)}")


def emitted_codes() -> dict[str, list[str]]:
    """code (or f-string pattern) → the files that emit it."""
    found: dict[str, list[str]] = {}
    for path in _sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        constants = _constants(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                node.func, "id", "")
            if name not in EMITTERS:
                continue
            for keyword in node.keywords:
                if keyword.arg == "action":
                    for code in _codes(keyword.value, constants):
                        found.setdefault(code, []).append(str(path.relative_to(ROOT)))
    return found


def _expansions() -> dict[str, list[str]]:
    """The values each f-string family of codes can take, from the code that builds them."""
    from lists.models import BlackListEntry, NoticeDocument, RedListEntry, TypicalCase
    from portal.models import DocumentKind

    return {
        "lists.notice.{}": [f"lists.notice.{k}" for k in NoticeDocument.Kind.values],
        "lists.case.{}": [
            f"lists.case.{t.name}"
            for t in TypicalCase._meta.get_field("state").get_all_transitions(TypicalCase)],
        "lists.{}.objection": [f"lists.{m.kind}.objection"
                               for m in (BlackListEntry, RedListEntry)],
        "lists.{}.objection_answer": [f"lists.{m.kind}.objection_answer"
                                      for m in (BlackListEntry, RedListEntry)],
        "portal.{}_issued": [f"portal.{k}_issued" for k in DocumentKind.values],
        "admin.{}": [],  # worded from the model's name (test below)
    }


def test_the_scan_finds_the_emitting_services() -> None:
    """A scan that reads nothing would pass; it must see the services it is meant to check."""
    codes = emitted_codes()
    assert len(codes) > 100
    assert "records/services.py" in codes["record.approve"]
    assert "lists.notice.{}" in codes and "admin.{}" in codes
    assert "supervision.plan_draw" in codes  # through the module constant DRAW_ACTION
    assert "approvals/services.py" in codes["approvals.check"]  # twice: SQLite and batched


def test_every_emitted_action_code_has_a_label() -> None:
    expansions = _expansions()
    missing = []
    for code, where in emitted_codes().items():
        if "{}" in code:
            assert code in expansions, f"new family of action codes {code} in {where}"
            missing += [c for c in expansions[code] if c not in ACTION_LABELS]
        elif code not in ACTION_LABELS:
            missing.append(f"{code} ({', '.join(where)})")
    assert SEAL_ACTION in ACTION_LABELS
    assert missing == []


def test_labels_are_chinese_and_distinct() -> None:
    with translation.override("zh-hans"):
        labels = {code: action_label(code) for code in ACTION_LABELS}
    english = {c: t for c, t in labels.items() if re.fullmatch(r"[\x00-\x7f]+", t)}
    assert english == {}
    assert len(set(labels.values())) == len(labels)  # no two actions read the same


def test_admin_edits_are_worded_with_the_model_name() -> None:
    with translation.override("zh-hans"):
        label = action_label("admin.recordtype.update")
        assert "admin" not in label and "recordtype" not in label
        assert label == "在管理后台修改：信息类型", label  # the model's verbose name
        assert is_labelled("admin.recordtype.create")
        assert not is_labelled("made.up.code") and action_label("made.up.code") == "其他操作"


@pytest.mark.django_db
def test_audit_page_shows_labels_never_codes(client: Client, auditor: User, clerk: User) -> None:
    codes = [*ACTION_LABELS, "admin.recordtype.update", "made.up.code"]
    with transaction.atomic():
        for code in codes:
            record_event(actor=clerk, action=code, target_type="records.creditrecord",
                         target_id="1")
    client.force_login(auditor)
    body = client.get(reverse("audit:list"), {"page": 1}).content.decode()
    shown = re.findall(r'<td data-testid="action"[^>]*>([^<]*)</td>', body)
    assert len(shown) == 50
    for text in shown:
        assert text and not re.search(r"\b[a-z_]+\.[a-z_.]+\b", text), text
    table = body.split("<tbody>", 1)[1]
    assert not [c for c in codes if f">{c}<" in table or f" {c} " in table]
    assert "信用记录已核准" in body or "其他操作" in body
    # the filter offers the labels, and filtering by one shows its events
    assert '<option value="record.approve"' in body
    narrowed = client.get(reverse("audit:list"), {"action": "record.approve"}).content.decode()
    assert re.findall(r'<td data-testid="action"[^>]*>([^<]*)</td>', narrowed) == [
        action_label("record.approve")]


@pytest.mark.django_db
def test_home_page_events_are_labelled(client: Client, admin_user: User) -> None:
    with transaction.atomic():
        record_event(actor=admin_user, action="department.create",
                     target_type="accounts.department", target_id="1")
    client.force_login(admin_user)
    body = client.get(reverse("home")).content.decode()
    assert "department.create" not in body


@pytest.mark.django_db
def test_admin_changelist_shows_and_filters_by_labels(client: Client, admin_user: User) -> None:
    with transaction.atomic():
        record_event(actor=admin_user, action="api_token.revoke",
                     target_type="accounts.apitoken", target_id="1")
    client.force_login(admin_user)
    response = client.get("/admin/audit/auditevent/")
    assert response.status_code == 200, response.status_code
    body = response.content.decode()
    assert "吊销接口令牌" in body
    table = body.split('id="result_list"', 1)[1].split("</table>", 1)[0]
    assert "api_token.revoke" not in table
    assert '<a href="?action=api_token.revoke">吊销接口令牌</a>' in body  # the filter, in words
    revoked = client.get("/admin/audit/auditevent/", {"action": "api_token.revoke"})
    issued = client.get("/admin/audit/auditevent/", {"action": "api_token.issue"})
    assert revoked.context["cl"].result_count >= 1 and issued.context["cl"].result_count == 0
