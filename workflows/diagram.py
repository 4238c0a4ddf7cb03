"""Draw a template as an SVG state diagram (no network, no JavaScript), current state marked."""

from __future__ import annotations

from html import escape

from workflows.engine import Template

BOX_W, BOX_H, GAP, TOP = 150, 44, 84, 64


def svg(template: Template, current: str, labels: dict[str, str] | None = None) -> str:
    """States left to right in template order; steps forward arc above, steps back below."""
    labels = labels or {}
    index = {state: i for i, state in enumerate(template.states)}
    width = len(template.states) * (BOX_W + GAP) - GAP + 20
    height = TOP + BOX_H + 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="workflow-diagram" role="img" aria-label="workflow {escape(template.name)}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'class="arrowhead"/></marker></defs>',
    ]

    def x_of(state: str) -> float:
        return 10 + index[state] * (BOX_W + GAP)

    for t in template.transitions:
        for source in t.source:
            a, b = index[source], index[t.dest]
            forward = b > a
            x1 = x_of(source) + (BOX_W if forward else 0) - (0 if forward else -BOX_W / 2)
            x2 = x_of(t.dest) + (0 if forward else BOX_W / 2)
            if forward and b == a + 1:
                y = TOP + BOX_H / 2
                path = f"M{x1},{y} L{x2 - 2},{y}"
                lx, ly = (x1 + x2) / 2, y - 8
            else:
                start = x_of(source) + BOX_W / 2
                end = x_of(t.dest) + BOX_W / 2
                y0 = TOP if forward else TOP + BOX_H
                bend = y0 - 40 if forward else y0 + 44
                tip = y0 + (-2 if forward else 2)
                path = f"M{start},{y0} C{start},{bend} {end},{bend} {end},{tip}"
                lx, ly = (start + end) / 2, bend + (8 if forward else 4)
            label = escape(labels.get(t.trigger, t.trigger.replace("_", " ")))
            parts.append(f'<path d="{path}" class="edge" marker-end="url(#arrow)"/>')
            parts.append(f'<text x="{lx}" y="{ly}" class="edge-label">{label}</text>')
    for state in template.states:
        cls = "state current" if state == current else "state"
        x = x_of(state)
        parts.append(
            f'<g class="{cls}"><rect x="{x}" y="{TOP}" width="{BOX_W}" height="{BOX_H}" rx="8"/>'
            f'<text x="{x + BOX_W / 2}" y="{TOP + BOX_H / 2 + 5}">'
            f"{escape(labels.get(state, state.replace('_', ' ')))}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)
