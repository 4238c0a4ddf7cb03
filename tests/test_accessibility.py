"""Contrast of the colours the pages use, computed as WCAG 2 defines it: every delegation's
badge (white text on its colour) and its marks (its colour on the page's backgrounds), and
the muted grey, all at least AA's 4.5:1 for normal text."""

from __future__ import annotations

import colorsys
import re
from pathlib import Path

from sqlalchemy import select

from drafting.extensions import db
from drafting.models import Delegation

CSS = (Path(__file__).resolve().parent.parent / "static/css/app.css").read_text("utf-8")
WHITE, PAGE = "#ffffff", "#f6f7f9"  # cards, and the page and table stripes (--bg)
AA = 4.5


def rgb(colour: str) -> tuple[float, float, float]:
    hsl = re.fullmatch(r"hsl\((\d+), (\d+)%, (\d+)%\)", colour)
    if hsl:
        h, s, lightness = (int(g) for g in hsl.groups())
        return colorsys.hls_to_rgb(h / 360, lightness / 100, s / 100)
    value = colour.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))


def luminance(colour: str) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula_matches_known_values():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48


def test_every_delegation_badge_and_mark_is_readable(app, demo):
    with app.app_context():
        colours = {d.code: d.color for d in db.session.scalars(select(Delegation))}
    assert len(colours) >= 10
    for code, colour in colours.items():
        assert contrast(colour, WHITE) >= AA, (code, colour)  # badge text, marks on cards
        assert contrast(colour, PAGE) >= AA, (code, colour)  # marks on the grey stripes
    # The badges are drawn solid with white text (static/js/common.js).
    common = (Path(__file__).resolve().parent.parent / "static/js/common.js").read_text()
    assert 'el.style.color = "#fff"' in common and "backgroundColor = colour" in common


def test_muted_text_is_readable():
    muted = re.search(r"--muted: (#[0-9a-f]{6})", CSS).group(1)
    assert contrast(muted, WHITE) >= AA and contrast(muted, PAGE) >= AA
