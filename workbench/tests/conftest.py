"""Fixtures for the cross-app scenario tests that live here, at the top of the flow: they reuse
the builders of the apps whose work they combine."""

from lists.tests.conftest import _media, catalogue  # noqa: F401,E402
from scoring.tests.conftest import record_types  # noqa: F401,E402
from supervision.tests.conftest import grade, make_subjects, measures, pool  # noqa: F401
