"""The printable check certificate (信用核查结果告知单), rendered to PDF by WeasyPrint.

It carries the check's number and the address where anyone can verify it; the content is the
stored snapshot, so a reprint months later shows what the platform answered on the day.
Fonts: Debian `fonts-noto-cjk`, found by fontconfig.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from approvals.models import CreditCheck


def certificate_pdf(*, check: CreditCheck, verify_url: str) -> bytes:
    """PDF bytes of the certificate (always in Chinese: it goes into the application file)."""
    import weasyprint  # imported here: pango is only needed when a certificate is printed

    context: dict[str, Any] = {"check": check, "r": check.result, "verify_url": verify_url}
    with translation.override("zh-hans"):
        html = render_to_string("approvals/certificate.html", context)
    return weasyprint.HTML(string=html, base_url=None).write_pdf()
