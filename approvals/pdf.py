"""The printable check certificate (信用核查结果告知单).

It carries the check's number, the address where anyone can verify it and its QR code; the
content is the stored snapshot, so a reprint months later shows what the platform answered on
the day. Rendered by the one PDF renderer, `common.pdf`.
"""

from __future__ import annotations

from approvals.models import CreditCheck
from common.pdf import render_pdf


def certificate_pdf(*, check: CreditCheck, verify_url: str) -> bytes:
    """PDF bytes of the certificate (always in Chinese: it goes into the application file)."""
    return render_pdf("approvals/certificate.html",
                      {"check": check, "r": check.result, "verify_url": verify_url})
