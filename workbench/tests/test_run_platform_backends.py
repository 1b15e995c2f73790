"""`make run`'s supervisor starts the worker of the configured task backend."""

from __future__ import annotations

import sys

import pytest

from workbench.management.commands.run_platform import Command


@pytest.mark.parametrize("backend, worker", [
    ("database", ["run_worker", "--no-reload", "--queue-name", "*"]),
    ("redis", ["run_rq_worker", "default"]),
    ("immediate", None),
])
def test_the_platform_starts_the_worker_of_the_backend(settings, monkeypatch, backend, worker):
    monkeypatch.delenv("HC_WORKER", raising=False)
    monkeypatch.delenv("HC_SCHEDULER", raising=False)
    settings.HC_TASKS_BACKEND = backend
    children = {c.name: c.argv for c in
                Command().children(bind="127.0.0.1:8000", workers=1, web="none")}
    if worker is None:      # jobs run inline: no worker to start
        assert list(children) == ["scheduler"]
    else:
        assert children["worker"][0] == sys.executable and children["worker"][2:] == worker
