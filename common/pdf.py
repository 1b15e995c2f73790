"""The one PDF renderer: every notice, certificate and report is an HTML template rendered to
PDF here by WeasyPrint, always in Chinese (it is served on a subject or filed), with the fonts
of Debian's `fonts-noto-cjk` found by fontconfig and, where the document can be verified, a QR
code of its verification address drawn by segno (SVG, no network, no image files)."""

from __future__ import annotations

from typing import Any

import segno
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe


def qr_svg(url: str, *, scale: int = 3) -> SafeString:
    """An inline SVG QR code of `url` (error correction M), for a document's verification link."""
    code = segno.make(url, error="m", micro=False)
    return mark_safe(code.svg_inline(scale=scale, border=2))  # noqa: S308 - segno's own markup


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render `template_name` with `context` to PDF bytes. When the context has `verify_url`,
    the template also receives `verify_qr`, the QR code of that address."""
    import weasyprint  # imported here: pango is only needed when a document is printed

    context = dict(context)
    if context.get("verify_url"):
        context.setdefault("verify_qr", qr_svg(context["verify_url"]))
    with translation.override("zh-hans"):
        html = render_to_string(template_name, context)
    return weasyprint.HTML(string=html, base_url=None).write_pdf()
