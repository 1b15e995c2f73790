"""A department's own 统一社会信用代码 (the 双公示 export's CF_CFJGDM / XK_XKJGDM …): checked by
GB 32100 on every door (service, admin form, model validation), stored normalised, audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.forms import DepartmentForm
from accounts.models import Department
from accounts.services import department_create, department_set_credit_code
from audit.models import AuditEvent
from common.errors import PermissionDeniedError, ValidationFailed

VALID = "113501000035000196"


def test_service_normalises_checks_and_audits(admin_user, lead_department, clerk):
    department_set_credit_code(actor=admin_user, department=lead_department,
                               credit_code=" 1135 0100 0035 0001 96 ")
    assert Department.objects.get(pk=lead_department.pk).credit_code == VALID
    event = AuditEvent.objects.filter(action="department.credit_code").latest("id")
    assert event.before == {"credit_code": "113501000035000196"}  # the fixture's
    assert event.after == {"credit_code": VALID}
    with pytest.raises(ValidationFailed) as bad:
        department_set_credit_code(actor=admin_user, department=lead_department,
                                   credit_code="91350100M000100Y4Z")  # the standard's bad example
    assert bad.value.field == "credit_code"
    with pytest.raises(PermissionDeniedError):
        department_set_credit_code(actor=clerk, department=lead_department, credit_code="")
    created = department_create(actor=admin_user, code="zjj", name="住建局",
                                kind=Department.Kind.EXTERNAL, credit_code="11350100 0035000271")
    assert created.credit_code == "113501000035000271"


def test_model_validation_refuses_a_wrong_or_unnormalised_code(lead_department):
    lead_department.credit_code = "91350100M000100Y4Z"
    with pytest.raises(ValidationError) as wrong:
        lead_department.full_clean()
    assert "credit_code" in wrong.value.message_dict
    lead_department.credit_code = "91350100m000100y43"  # valid once upper-cased
    with pytest.raises(ValidationError):
        lead_department.full_clean()
    lead_department.credit_code = ""
    lead_department.full_clean()  # not set yet: allowed (the export page warns)


def test_department_form_in_chinese(lead_department, settings):
    from django.utils import translation

    data = {"code": "lead", "name": lead_department.name, "kind": "lead",
            "source_kind": "government", "is_active": True}
    with translation.override("zh-hans"):
        form = DepartmentForm({**data, "credit_code": "91350100M000100Y4Z"},
                              instance=lead_department)
        assert not form.is_valid()
        assert "校验码" in form.errors["credit_code"][0]
    form = DepartmentForm({**data, "credit_code": "１１３５０１０００ ０３５０００１９６"},
                          instance=lead_department)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["credit_code"] == VALID


def test_admin_department_page_sets_the_code(admin_user, other_department):
    client = Client()
    client.force_login(admin_user)
    url = f"/admin/accounts/department/{other_department.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and 'name="credit_code"' in page.content.decode()
    response = client.post(url, {"code": "fgs", "name": other_department.name,
                                 "kind": "cooperating", "source_kind": "government",
                                 "credit_code": "113501000035000196", "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Department.objects.get(pk=other_department.pk).credit_code == "113501000035000196"
    assert AuditEvent.objects.filter(action="admin.department.update").exists()
