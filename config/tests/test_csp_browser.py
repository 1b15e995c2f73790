"""The Content-Security-Policy breaks nothing: a real Chromium walks the workbench, the lists
pages (their style block carries the nonce), the API docs and the admin, and the browser reports
no CSP violation while the workbench's script still runs."""

from __future__ import annotations

import pytest

from accounts.models import User
from common.browser_testing import sign_in

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# Collect every violation the page sees, from the first byte of each document.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline')));
"""

PAGES = ["/", "/subjects/", "/lists/", "/lists/black/", "/approvals/", "/audit/",
         "/api/v1/docs", "/admin/"]


def test_no_page_violates_the_content_security_policy(_audit_flushable: None, live_server,
                                                       browser, admin_user: User) -> None:
    context = browser.new_context(locale="zh-CN")
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text)
            if "Content Security Policy" in m.text else None)
    try:
        sign_in(page, live_server.url, admin_user.username)
        seen = {}
        for path in PAGES:
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status < 500, path
            assert "Content-Security-Policy" in {k.title() for k in response.headers}, path
            page.wait_for_load_state("networkidle")
            seen[path] = page.evaluate("window.__csp")
        assert {p: v for p, v in seen.items() if v} == {}
        assert console == []
    finally:
        context.close()
