"""The parts of a form people must see stand out from the page: field borders, the focus
ring and error borders reach WCAG's 3:1 for non-text contrast (1.4.11)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "chorus.css").read_text()


def colour(name: str) -> tuple[int, int, int]:
    value = re.search(rf"--{name}:\s*#([0-9a-fA-F]{{6}})", CSS)
    assert value, f"--{name} is not set as a #rrggbb colour"
    hex_ = value.group(1)
    return int(hex_[0:2], 16), int(hex_[2:4], 16), int(hex_[4:6], 16)


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("part", ["border", "focus", "error"])
@pytest.mark.parametrize("background", ["paper", "sand"])
def test_form_parts_reach_three_to_one_on_every_background(part, background):
    assert contrast(colour(part), colour(background)) >= 3.0
    assert contrast(colour(part), (255, 255, 255)) >= 3.0


def test_the_focus_ring_and_the_field_borders_use_those_colours():
    assert "outline: 3px solid var(--focus)" in CSS and "select:focus-visible" in CSS
    assert "#9aa3ae" not in CSS  # the old grey border (2.55:1)
