"""Firing a list transition with a clear refusal, and the machines as a readable table.

The transitions live on the models (django-fsm requires it); this module is the one door
services use to fire them: it refuses an illegal step with a message that says what state the
entry is in and from which states the step is possible, and a step the actor may not take with
a 403 naming the step. `describe(Model)` lists the machine for documentation and tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from common.errors import Conflict, PermissionDeniedError

if TYPE_CHECKING:
    from accounts.models import User


def _transitions(model: type[models.Model]) -> list[Any]:
    field = model._meta.get_field("state")
    return list(field.get_all_transitions(model))  # type: ignore[attr-defined]


def _label(model: type[models.Model], name: str) -> str:
    for t in _transitions(model):
        if t.name == name:
            return str(t.custom.get("label", name))
    return name


def _state_label(model: type[models.Model], value: str) -> str:
    choices = dict(model._meta.get_field("state").choices)  # type: ignore[arg-type]
    return str(choices.get(value, value))


def allowed_sources(model: type[models.Model], name: str) -> list[str]:
    return sorted({str(t.source) for t in _transitions(model) if t.name == name})


def advance(entry: models.Model, name: str, *, actor: User | None, **kwargs: Any) -> Any:
    """Fire transition `name` on a locked `entry` for `actor` (None = the deadline job).

    Refuses with `Conflict("invalid_transition")` when the entry's state does not allow it, and
    `PermissionDeniedError` when the transition's permission predicate says no.
    """
    model = type(entry)
    method = getattr(entry, name)
    if not can_proceed(method):
        sources = ", ".join(_state_label(model, s) for s in allowed_sources(model, name))
        raise Conflict(
            "invalid_transition",
            _("This entry is “%(state)s”; “%(action)s” is only possible when it is: "
              "%(sources)s.")
            % {"state": _state_label(model, entry.state), "action": _label(model, name),
               "sources": sources},
        )
    if not has_transition_perm(method, actor):
        raise PermissionDeniedError(
            "permission_denied",
            _("You are not allowed to %(action)s.") % {"action": _label(model, name)},
        )
    return method(**kwargs)


def available(entry: models.Model, user: User | None) -> list[str]:
    """Names of the transitions `user` may fire on `entry` now (to show the right buttons)."""
    return [
        t.name for t in _transitions(type(entry))
        if str(t.source) in (entry.state, "*") and t.has_perm(entry, user)
    ]


def offers(entry: models.Model, user: User | None, step: str,
           who: Callable[[Any, User | None], bool] | None = None) -> bool:
    """Whether a page should offer `user` the action that belongs to transition `step` now.

    An action that fires `step` is offered exactly when the machine would let `user` fire it
    (the entry's state is one of its sources and its permission predicate says yes). An action
    that records something within the step without firing it (a statement during the statement
    period, a repair request against an entry in force) passes `who`, the predicate that
    replaces the transition's own: it is offered in the step's source states to those `who`
    allows. Either way the states come from the machine, never from a second table.
    """
    if who is None:
        return step in available(entry, user)
    return entry.state in allowed_sources(type(entry), step) and who(entry, user)


def describe(model: type[models.Model]) -> list[tuple[str, str, str, str]]:
    """(transition, from, to, who) for every transition of the model's machine."""
    rows = []
    for t in _transitions(model):
        target = t.target
        if hasattr(target, "allowed_states"):
            target = "|".join(str(s) for s in target.allowed_states)
        who = getattr(t.permission, "__name__", str(t.permission))
        rows.append((t.name, str(t.source), str(target), who))
    return sorted(rows)
