"""The actions a case page offers come from the state machines: for every state of every list
kind and every role, the page offers exactly the steps the machine lets that user take, and the
same buttons as the hand-written state × role table it replaced (kept here as the oracle)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from common import clock
from lists import permissions as p
from lists import services, workflows
from lists.models import (
    RED_OPEN_STATES,
    BlackListEntry,
    BlackState,
    CaseState,
    IndustrySanction,
    Objection,
    RedListEntry,
    RedState,
    SanctionState,
    TypicalCase,
)
from lists.tests.helpers import propose, to_in_force
from lists.views import ACTIONS, available_actions

MONDAY = dt.date(2026, 3, 2)
STATES = {"black": BlackState, "red": RedState, "sanction": SanctionState, "case": CaseState}
MODELS = {"black": BlackListEntry, "red": RedListEntry, "sanction": IndustrySanction,
          "case": TypicalCase}


def _old_table(kind, entry, user):
    """The state × role table `lists/views.py` used to keep by hand (no request pending)."""
    handle, decide, s = p.can_handle(entry, user), p.can_decide(entry, user), entry.state
    if kind == "black":
        return {
            BlackState.PROPOSED: ["notify", "withdraw"] if handle else [],
            BlackState.NOTIFIED: ["statement", "begin_review", "withdraw"] if handle else [],
            BlackState.UNDER_REVIEW: (["decide", "dismiss"] if decide else [])
            + (["withdraw"] if handle else []),
            BlackState.DECIDED: ["publish"] if decide else [],
            BlackState.PUBLICITY: ["objection"] if handle else [],
            BlackState.IN_FORCE: (["objection", "repair"] if handle else []),
            BlackState.SUSPENDED: ["objection_answer"] if decide else [],
        }.get(s, [])
    if kind == "red":
        acts = {
            RedState.NOMINATED: ["review"] if decide else [],
            RedState.PUBLICITY: ["objection"] if handle else [],
            RedState.SUSPENDED: ["objection_answer"] if decide else [],
            RedState.ON_HOLD: ["release"] if decide else [],
            RedState.AWAITING_DECISION: ["decide"] if decide else [],
            RedState.DECIDED: ["publish"] if decide else [],
        }.get(s, [])
        if decide and s in [*RED_OPEN_STATES, RedState.IN_FORCE, RedState.ON_HOLD]:
            acts.append("remove")
        return acts
    if kind == "sanction":
        return {SanctionState.PROPOSED: (["notify"] if handle else [])
                + (["reject"] if decide else []),
                SanctionState.NOTIFIED: (["statement"] if handle else [])
                + (["decide", "reject"] if decide else []),
                SanctionState.DECIDED: ["revoke"] if decide else []}.get(s, [])
    return {CaseState.DRAFT: ["submit"] if handle else [],
            CaseState.SUBMITTED: ["publish", "return_to_author"] if decide else [],
            CaseState.PUBLISHED: ["withdraw"] if decide else []}.get(s, [])


@pytest.fixture
def entries(catalogue, clerk, reviewer, subject, make_record, monkeypatch):
    """One entry of each kind, proposed by the clerk of the other (non-lead) department."""
    with clock.frozen_at(MONDAY):
        black = propose(clerk=clerk, subject=subject, make_record=make_record, on=MONDAY)
        sanction = services.sanction_propose(
            actor=clerk, subject=subject, kind="condemnation", scope="public",
            grounds="物业服务中多次违规收费。", legal_basis="行业自律公约",
            document_number="物协惩〔2026〕3号", occurred_on=dt.date(2026, 2, 20))
        record = make_record(subject, "false_advertising")
        case = services.case_create(actor=clerk, title="某公司发布虚假房源广告案", kind="bad",
                                    body="案情……", subjects=[subject], records=[record])
    red = RedListEntry.objects.create(
        subject=subject, department=clerk.department, source=RedListEntry.Source.DEPARTMENT,
        reasons="连续三年无不良记录。", nominated_by=clerk, nominated_at=timezone.now())
    return {"black": black, "red": red, "sanction": sanction, "case": case}


def _in_state(kind, entry, state):
    MODELS[kind].objects.filter(pk=entry.pk).update(state=state)
    return MODELS[kind].objects.get(pk=entry.pk)


def test_each_state_offers_exactly_what_the_machine_allows(
        entries, clerk, lead_clerk, reviewer, admin_user, auditor, leader, window_officer):
    users = [clerk, lead_clerk, reviewer, admin_user, auditor, leader, window_officer]
    checked = 0
    for kind, states in STATES.items():
        for state in states.values:
            entry = _in_state(kind, entries[kind], state)
            Objection.objects.filter(state=Objection.State.PENDING).delete()
            if state == "suspended":  # an entry is suspended only by a pending objection
                Objection.objects.create(**{f"{kind}_entry": entry}, objector="某公司",
                                         grounds="事实有误。", filed_on=MONDAY,
                                         reply_due_on=MONDAY, registered_by=clerk)
            for user in users:
                offered = available_actions(kind, entry, user)
                allowed = set(workflows.available(entry, user))
                # every offered button is a step the machine allows this user here …
                for name in offered:
                    spec = ACTIONS[kind][name]
                    if spec.who is None:
                        assert spec.step in allowed, (kind, state, user.username, name)
                    else:
                        assert state in workflows.allowed_sources(MODELS[kind], spec.step)
                        assert spec.who(entry, user)
                # … and every step the machine allows has its button (when nothing is pending)
                for name, spec in ACTIONS[kind].items():
                    if spec.step in allowed and spec.who is None and (
                            spec.when is None or spec.when(entry)):
                        assert name in offered, (kind, state, user.username, name)
                # the same buttons as the table this replaced
                assert sorted(offered) == sorted(_old_table(kind, entry, user)), (
                    kind, state, user.username)
                checked += 1
    assert checked == 7 * sum(len(s.values) for s in STATES.values())


def test_pending_objection_and_repair_switch_the_buttons(clerk, lead_clerk, reviewer, subject,
                                                         make_record):
    entry = to_in_force(clerk=clerk, reviewer=reviewer, subject=subject,
                        make_record=make_record, on=MONDAY)
    assert set(available_actions("black", entry, clerk)) == {"objection", "repair"}
    assert available_actions("black", entry, lead_clerk) == []  # not its department
    Objection.objects.create(black_entry=entry, objector="某公司", grounds="事实有误。",
                             filed_on=MONDAY, reply_due_on=MONDAY, registered_by=clerk)
    assert available_actions("black", entry, clerk) == ["repair"]
    assert available_actions("black", entry, reviewer) == ["objection_answer", "repair"]


def test_page_shows_only_the_offered_forms(client, entries, clerk, lead_clerk):
    url = reverse("lists:black_detail", args=[entries["black"].pk])
    client.force_login(clerk)
    page = client.get(url).content.decode()
    assert 'action="' + reverse("lists:action", args=["black", entries["black"].pk, "notify"]) \
        in page
    client.force_login(lead_clerk)  # a clerk of another department: no buttons
    page = client.get(url).content.decode()
    assert reverse("lists:action", args=["black", entries["black"].pk, "notify"]) not in page
