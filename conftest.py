"""Fixtures shared by every app's tests: departments and one account per role."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test import testcases

from accounts.models import Department, Role, User

pytest_plugins = ["common.browser_testing"]  # Chromium, sign-in and audit-trigger fixtures


@pytest.fixture
def lead_department(db) -> Department:
    return Department.objects.create(code="lead", name="住房保障中心", kind=Department.Kind.LEAD,
                                     credit_code="113501000035000196")


@pytest.fixture
def other_department(db) -> Department:
    return Department.objects.create(
        code="fgs", name="房地产市场管理股", kind=Department.Kind.COOPERATING,
        credit_code="113501000035000271",
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

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (real concurrent transactions)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def _clear_post_migrate_rows(connection) -> None:
    """Make room for a serialized snapshot after a flush that ran `post_migrate`.

    A `transaction=True` test without `serialized_rollback` ends with a flush that lets
    `post_migrate` create the content types and permissions again, under new keys. The next
    `serialized_rollback` test then loads the snapshot taken when the test database was made,
    whose content types carry the original keys: the insert meets the unique (app_label, model)
    pair and fails. In that state (the role groups, which the snapshot always holds, are gone
    and only those two tables have rows), empty the two tables first; the snapshot brings them
    back with their original keys.
    """
    from django.contrib.auth.models import Group, Permission
    from django.contrib.contenttypes.models import ContentType

    manager = ContentType.objects.db_manager(connection.alias)
    if Group.objects.using(connection.alias).exists() or not manager.exists():
        return
    Permission.objects.using(connection.alias).all().delete()
    manager.all().delete()
    ContentType.objects.clear_cache()


_fixture_setup = testcases.TransactionTestCase._fixture_setup.__func__


@classmethod  # type: ignore[misc]
def _fixture_setup_after_any_flush(cls: type[testcases.TransactionTestCase]) -> None:
    if cls.serialized_rollback:
        for alias in cls._databases_names(include_mirrors=False):
            _clear_post_migrate_rows(connections[alias])
    _fixture_setup(cls)


testcases.TransactionTestCase._fixture_setup = _fixture_setup_after_any_flush
