"""`common.statements.sqlite_writers_queue`: on a SQLite database file, a writer holds a file
lock beside it for its whole transaction, so other processes' writers wait on that lock (woken
at once) instead of polling SQLite; inside an open transaction, in memory and on PostgreSQL it
takes nothing."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import pytest

from common import statements

TRY_LOCK = ("import fcntl, sys\n"
            "f = open(sys.argv[1], 'a+b')\n"
            "try:\n    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept OSError:\n"
            "    sys.exit(3)\n")


def _fake(monkeypatch: pytest.MonkeyPatch, path: str, **overrides) -> None:
    connection = SimpleNamespace(vendor="sqlite", in_atomic_block=False,
                                 settings_dict={"NAME": path}, is_in_memory_db=lambda: False)
    for key, value in overrides.items():
        setattr(connection, key, value)
    monkeypatch.setattr(statements, "connections", {"default": connection})


def _other_process_can_lock(path: str) -> bool:
    return subprocess.run([sys.executable, "-c", TRY_LOCK, path]).returncode == 0


def test_a_writer_holds_the_file_lock_for_its_transaction_only(tmp_path, monkeypatch):
    database = str(tmp_path / "db.sqlite3")
    _fake(monkeypatch, database)
    lock = database + ".writers.lock"
    with statements.sqlite_writers_queue():
        assert not _other_process_can_lock(lock)  # another worker would wait here
    assert _other_process_can_lock(lock)


@pytest.mark.parametrize("overrides", [{"in_atomic_block": True}, {"vendor": "postgresql"},
                                       {"is_in_memory_db": lambda: True}])
def test_no_lock_inside_a_transaction_in_memory_or_on_postgresql(tmp_path, monkeypatch,
                                                                  overrides):
    database = str(tmp_path / "db.sqlite3")
    _fake(monkeypatch, database, **overrides)
    with statements.sqlite_writers_queue():
        pass
    assert not (tmp_path / "db.sqlite3.writers.lock").exists()
