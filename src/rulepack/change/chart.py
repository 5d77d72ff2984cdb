"""Charts as SVG text, written directly: no plotting library, nothing fetched when opened."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

COLOURS = {"pass": "#2e7d32", "fail": "#c62828", "unknown": "#f9a825",
           "not_applicable": "#78909c", "error": "#6a1b9a"}
_OTHER = "#1565c0"


def bars(title: str, rows: Sequence[tuple[str, int, str]], *, width: int = 640) -> str:
    """A horizontal bar chart: one bar per (label, count, colour key) row."""
    label_width, bar_height, gap, top = 190, 22, 6, 34
    height = top + len(rows) * (bar_height + gap) + 10
    most = max((count for _, count, _ in rows), default=0) or 1
    room = width - label_width - 80
    parts = [_head(width, height, title)]
    for index, (label, count, key) in enumerate(rows):
        y = top + index * (bar_height + gap)
        length = max(1, round(room * count / most)) if count else 0
        parts.append(f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end">'
                     f'{escape(label)}</text>')
        parts.append(f'<rect x="{label_width}" y="{y}" width="{length}" height="{bar_height}" '
                     f'fill="{COLOURS.get(key, _OTHER)}"/>')
        parts.append(f'<text x="{label_width + length + 6}" y="{y + 15}">{count:,}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def lines(title: str, xs: Sequence[float], series: Mapping[str, Sequence[int]], *,
          marker: float | None = None, width: int = 640, height: int = 320) -> str:
    """A line chart of counts over ``xs``, one line per series (coloured by state name);
    ``marker`` draws a dashed line at one x (the param's current value)."""
    left, right, top, bottom = 64, 110, 34, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    low, high = (min(xs), max(xs)) if xs else (0.0, 1.0)
    span = (high - low) or 1.0
    most = max((v for values in series.values() for v in values), default=0) or 1

    def x_at(x: float) -> float:
        return left + plot_w * (x - low) / span

    def y_at(y: float) -> float:
        return top + plot_h * (1 - y / most)

    parts = [_head(width, height, title),
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" '
             f'y2="{top + plot_h}" stroke="#444"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#444"/>']
    for tick in range(5):
        value = most * tick / 4
        parts.append(f'<text x="{left - 6}" y="{y_at(value) + 4:.1f}" text-anchor="end">'
                     f'{value:,.0f}</text>')
    step = max(1, len(xs) // 8)
    for x in list(xs)[::step]:
        parts.append(f'<text x="{x_at(x):.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
                     f'{_number(x)}</text>')
    if marker is not None and low <= marker <= high:
        parts.append(f'<line x1="{x_at(marker):.1f}" y1="{top}" x2="{x_at(marker):.1f}" '
                     f'y2="{top + plot_h}" stroke="#444" stroke-dasharray="4 3"/>')
    for index, (name, values) in enumerate(series.items()):
        colour = COLOURS.get(name, _OTHER)
        points = " ".join(f"{x_at(x):.1f},{y_at(v):.1f}" for x, v in zip(xs, values,
                                                                        strict=True))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                     f'points="{points}"/>')
        parts.append(f'<text x="{left + plot_w + 10}" y="{top + 14 + 18 * index}" '
                     f'fill="{colour}">{escape(name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _number(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


def _head(width: int, height: int, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">\n'
            f'<title>{escape(title)}</title>\n'
            f'<text x="8" y="18" font-size="14" font-weight="bold">{escape(title)}</text>')
