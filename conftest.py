"""Fixtures shared by every app's tests: departments and one account per role."""

from __future__ import annotations

import pytest

from accounts.models import Department, Role, User

pytest_plugins = ["common.browser_testing"]  # Chromium, sign-in and audit-trigger fixtures


@pytest.fixture
def lead_department(db) -> Department:
    return Department.objects.create(code="lead", name="住房保障中心", kind=Department.Kind.LEAD)


@pytest.fixture
def other_department(db) -> Department:
    return Department.objects.create(
        code="fgs", name="房地产市场管理股", kind=Department.Kind.COOPERATING
    )


def _user(username: str, role: str, department: Department) -> User:
    user = User.objects.create_user(username=username, password="pass-word-123", role=role,
                                    department=department)
    return user


@pytest.fixture
def admin_user(lead_department) -> User:
    user = _user("admin1", Role.ADMIN, lead_department)
    user.is_staff = user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def reviewer(lead_department) -> User:
    return _user("reviewer1", Role.LEAD_REVIEWER, lead_department)


@pytest.fixture
def second_reviewer(lead_department) -> User:
    return _user("reviewer2", Role.LEAD_REVIEWER, lead_department)


@pytest.fixture
def clerk(other_department) -> User:
    return _user("clerk1", Role.CLERK, other_department)


@pytest.fixture
def lead_clerk(lead_department) -> User:
    return _user("clerk0", Role.CLERK, lead_department)


@pytest.fixture
def window_officer(lead_department) -> User:
    return _user("window1", Role.WINDOW_OFFICER, lead_department)


@pytest.fixture
def leader(lead_department) -> User:
    return _user("leader1", Role.LEADER, lead_department)


@pytest.fixture
def auditor(lead_department) -> User:
    return _user("auditor1", Role.AUDITOR, lead_department)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> None:
    """Each test sees the calendar rows of its own transaction, not a previous test's cache."""
    from common.workdays import calendar_changed

    calendar_changed()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings) -> None:
    """Real PBKDF2 makes each account fixture cost ~0.3 s; tests do not test the hash itself."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked `postgres` before any fixture runs when the suite runs on SQLite: a
    skip inside a `transaction=True` test still leaves its flush and serialized-rollback setup
    to run, which SQLite's append-only audit trigger refuses. `make test` then runs them on
    PostgreSQL, and CI fails if PostgreSQL is missing."""
    from django.conf import settings

    # Known interaction, not yet understood: on PostgreSQL the serialized-rollback test that
    # follows the enterprise browser scenario fails to restore content types. Run that scenario
    # last until the cause is found (closing note of 2026-12-02).
    last = [i for i in items if "appeals/tests/test_browser.py" in i.nodeid]
    items[:] = [i for i in items if i not in last] + last
    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (real concurrent transactions)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
