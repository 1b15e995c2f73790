"""Shared pieces of the browser tests (a pytest plugin loaded by the root conftest.py).

Browser tests drive Debian's Chromium through Playwright against pytest-django's live server,
which needs a transactional test database. On SQLite the audit table's append-only triggers
would make the flush between tests fail, so `audit_flushable` drops them for the test and the
module puts them back at its end (PostgreSQL flushes with TRUNCATE, which its row triggers
allow). Without Chromium the tests skip loudly, except under CI=1 where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

# Playwright's sync API runs an event loop in the test thread; Django's ORM would refuse to run
# beside it without this flag (the ORM is only used from the test's own synchronous code).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PASSWORD = "pass-word-123"  # the root conftest's accounts
SQLITE_TRIGGERS = {
    "audit_event_no_update": "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON "
    "audit_auditevent BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
    "audit_event_no_delete": "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON "
    "audit_auditevent BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
}


@pytest.fixture(scope="module")
def _restore_audit_triggers(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Put the SQLite triggers back once the module's flushes are done."""
    yield
    if connection.vendor == "sqlite":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            for name, sql in SQLITE_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                cursor.execute(sql)


@pytest.fixture
def _audit_flushable(_restore_audit_triggers: None, transactional_db: None) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = (f"!!! BROWSER TEST NOT RUN: {CHROMIUM} is missing "
                   "(apt-get install -y chromium fonts-noto-cjk) !!!")
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base}/")


def sign_out(page: Any, base: str) -> None:
    page.click("[data-testid=logout]")
    page.wait_for_url(f"{base}/login/")
