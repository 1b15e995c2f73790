"""Printable notices (PDF with Chinese fonts) rendered from templates by WeasyPrint.

The notice of intended listing (告知书) must state the reason, the legal basis and the subject's
rights, with the deadline for statement and defence (国办发〔2020〕49号 (八)); the publicity
announcement (公示公告) states the dates and how to object. Fonts: Debian `fonts-noto-cjk`
(Noto Serif/Sans CJK SC), found by fontconfig; no font file ships with the app.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render a notice template to PDF bytes (always in Chinese: it is served on the subject)."""
    import weasyprint  # imported here: pango is only needed when a notice is printed

    with translation.override("zh-hans"):
        html = render_to_string(template_name, context)
    return weasyprint.HTML(string=html, base_url=None).write_pdf()
