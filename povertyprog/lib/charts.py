"""Charts as server-side SVG: the same markup goes into pages and PDF documents, needs no
script or CDN, and prints in black and white (values written at the end of each bar).
Pure functions: text in, SVG text out."""

from django.utils.html import escape

from povertyprog.lib.formatting import format_number

ROW, LABEL, BAR, GAP = 22, 190, 300, 60


def bar_chart(title: str, items: list[tuple[str, float | None]], *, suffix: str = "%", decimals: int = 2,
              target: list[float | None] | None = None) -> str:  # fmt: skip
    """Horizontal bars, one per (label, value); `target` draws a tick per bar (planned value)."""
    values = [v or 0 for _, v in items] + [t or 0 for t in (target or [])]
    top = max(values + [0]) or 1
    height = 34 + ROW * len(items) + (18 if target and any(t is not None for t in target) else 0)
    width = LABEL + BAR + GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="DejaVu Sans, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    for index, (label, value) in enumerate(items):
        y = 26 + index * ROW
        length = BAR * (value or 0) / top
        shown = "-" if value is None else f"{format_number(value, decimals)}{suffix}"
        parts.append(f'<text x="{LABEL - 6}" y="{y + 13}" text-anchor="end">{escape(label[:34])}</text>')
        parts.append(f'<rect x="{LABEL}" y="{y + 3}" width="{length:.1f}" height="{ROW - 8}" fill="#5b6f8a" '
                     'stroke="#1f2a37" stroke-width="0.5"/>')  # fmt: skip
        parts.append(f'<text x="{LABEL + length + 4:.1f}" y="{y + 13}">{shown}</text>')
        if target and target[index] is not None:
            x = LABEL + BAR * target[index] / top
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 1}" y2="{y + ROW - 3}" stroke="#b91c1c" '
                         'stroke-width="2"/>')  # fmt: skip
    if target and any(t is not None for t in target):
        y = 26 + len(items) * ROW + 10
        parts.append(
            f'<line x1="{LABEL}" x2="{LABEL + 14}" y1="{y}" y2="{y}" stroke="#b91c1c" stroke-width="2"/>'
        )
        parts.append(f'<text x="{LABEL + 18}" y="{y + 4}">chỉ tiêu cuối kỳ</text>')
    parts.append("</svg>")
    return "".join(parts)


# Six fills that stay apart in black-and-white print (dark to light, every other one hatched).
HATCHES = (
    '<defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="4" height="4" fill="#3d4f66"/>'
    '<line x1="0" y1="0" x2="0" y2="4" stroke="#fff" stroke-width="1.2"/></pattern>'
    '<pattern id="hatch-light" width="4" height="4" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(-45)"><rect width="4" height="4" fill="#c9d3df"/>'
    '<line x1="0" y1="0" x2="0" y2="4" stroke="#1f2a37" stroke-width="0.8"/></pattern></defs>'
)
SEGMENT_FILLS = ["#1f2a37", "url(#hatch)", "#5b6f8a", "url(#hatch-light)", "#9fb0c4", "#e3e9f0"]


def stacked_bar_chart(title: str, segments: list[str], items: list[tuple[str, list[float]]], *,
                      decimals: int = 3) -> str:  # fmt: skip
    """Horizontal bars made of segments (e.g. each dimension's contribution to M0), one bar per
    (label, [value per segment]); the total is written at the end of each bar, a legend below."""
    top = max([sum(values) for _, values in items] + [0]) or 1
    legend_rows = (len(segments) + 1) // 2
    height = 34 + ROW * len(items) + 8 + 18 * legend_rows
    width = LABEL + BAR + GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="DejaVu Sans, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        HATCHES,
        f'<text x="0" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
    ]
    for index, (label, values) in enumerate(items):
        y, x = 26 + index * ROW, float(LABEL)
        parts.append(f'<text x="{LABEL - 6}" y="{y + 13}" text-anchor="end">{escape(label[:34])}</text>')
        for segment, value in enumerate(values):
            length = BAR * (value or 0) / top
            if length > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y + 3}" width="{length:.1f}" height="{ROW - 8}" '
                             f'fill="{SEGMENT_FILLS[segment % len(SEGMENT_FILLS)]}" stroke="#1f2a37" '
                             'stroke-width="0.5"/>')  # fmt: skip
            x += length
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 13}">{format_number(sum(values), decimals)}</text>')
    legend_top = 26 + len(items) * ROW + 8
    for segment, name in enumerate(segments):
        x = LABEL + (segment % 2) * 190  # room for the longest dimension name
        y = legend_top + (segment // 2) * 18
        fill = SEGMENT_FILLS[segment % len(SEGMENT_FILLS)]
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{fill}" stroke="#1f2a37" '
                     'stroke-width="0.5"/>')  # fmt: skip
        parts.append(f'<text x="{x + 16}" y="{y + 10}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
