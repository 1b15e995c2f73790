"""gunicorn.conf.py keeps each worker's SQLite connection between requests (a reopened WAL
database cost more than a short API call); PostgreSQL keeps `CONN_MAX_AGE` as configured."""

from __future__ import annotations

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONF = runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_post_worker_init_keeps_sqlite_connections_only(monkeypatch):
    from django.conf import settings

    databases = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "x", "CONN_MAX_AGE": 0},
        "other": {"ENGINE": "django.db.backends.postgresql", "NAME": "y", "CONN_MAX_AGE": 7},
    }
    monkeypatch.setattr(settings, "DATABASES", databases)  # the worker's own, changed in place
    CONF["post_worker_init"](object())
    assert databases["default"]["CONN_MAX_AGE"] == CONF["SQLITE_CONN_MAX_AGE"] > 0
    assert databases["other"]["CONN_MAX_AGE"] == 7
