"""The demo county's list cases and enterprise self-service cases, through the services: every
list kind in several states, enterprise accounts with objections and repairs open and decided,
and one-time passwords for the demo accounts."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import User
from appeals.models import Appeal, EnterpriseAccount, RepairApplication
from audit.models import AuditEvent
from common import clock
from lists.models import BlackListEntry, RedListEntry
from workbench import demo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def test_first_start_seeds_lists_accounts_objections_and_repairs():
    demo.seed(subjects=150, practitioners=20, records=1500, seed=3)
    with clock.frozen_at(demo.AS_OF):
        call_command("regrade", verbosity=0)
        passwords = demo.seed_self_service(as_of=demo.AS_OF)
        staff = demo.demo_staff_passwords()
    assert BlackListEntry.objects.values("state").distinct().count() >= 6
    assert RedListEntry.objects.exists()
    assert set(passwords) == {"qiye_black", "qiye_red", "qiye_repair", "qiye_repaired"}
    assert {"reviewer_a", "clerk_fgs"} <= set(staff)
    for username, password in {**passwords, **staff}.items():
        user = User.objects.get(username=username)
        assert user.check_password(password) and user.must_change_password
    assert EnterpriseAccount.objects.filter(state="pending").count() == 1
    states = set(Appeal.objects.values_list("state", flat=True))
    assert states == {"pending", "rejected"}
    assert {a.request.state for a in RepairApplication.objects.all()} == {"pending", "approved"}
    assert AuditEvent.objects.filter(action="appeals.repair_apply").count() == 2
    # a second start adds nothing and prints no password again
    with clock.frozen_at(demo.AS_OF):
        assert demo.seed_self_service(as_of=demo.AS_OF) == {}
        assert demo.demo_staff_passwords() == {}
