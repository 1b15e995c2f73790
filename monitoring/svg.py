"""Server-side SVG bar charts for the PDF report (WeasyPrint draws SVG; no browser needed)."""

from __future__ import annotations

from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BAR_HEIGHT = 14
GAP = 6
LABEL_WIDTH = 190
CHART_WIDTH = 300
PALETTE = ["#2f6db5", "#d9822b", "#3f9e5a", "#b53f3f", "#7b5bb5"]


def bar_chart(labels: list[str], series: list[tuple[str, list[Any]]]) -> SafeString:
    """Horizontal grouped bars, one group per label, values written at the bar's end."""
    values = [v for _, data in series for v in data if isinstance(v, int | float)]
    top = max(values, default=0) or 1
    group = len(series) * BAR_HEIGHT + GAP
    height = max(len(labels) * group + 24, 40)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_WIDTH + CHART_WIDTH + 60}" '
             f'height="{height}" font-size="10">']
    for i, label in enumerate(labels):
        y0 = i * group
        parts.append(f'<text x="{LABEL_WIDTH - 4}" y="{y0 + BAR_HEIGHT - 3}" '
                     f'text-anchor="end">{escape(str(label)[:24])}</text>')
        for j, (_, data) in enumerate(series):
            value = data[i] if i < len(data) else None
            if not isinstance(value, int | float):
                continue
            width = max(int(CHART_WIDTH * value / top), 1 if value else 0)
            y = y0 + j * BAR_HEIGHT
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width}" '
                         f'height="{BAR_HEIGHT - 2}" fill="{PALETTE[j % len(PALETTE)]}"/>')
            parts.append(f'<text x="{LABEL_WIDTH + width + 3}" y="{y + BAR_HEIGHT - 4}">'
                         f'{escape(value)}</text>')
    legend_y = len(labels) * group + 14
    for j, (name, _) in enumerate(series):
        x = LABEL_WIDTH + j * 120
        parts.append(f'<rect x="{x}" y="{legend_y - 9}" width="10" height="10" '
                     f'fill="{PALETTE[j % len(PALETTE)]}"/>'
                     f'<text x="{x + 14}" y="{legend_y}">{escape(str(name))}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
