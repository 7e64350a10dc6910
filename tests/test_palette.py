"""The lanes' colours stay apart under the common colour blindnesses.

The palette is read from `static/js/palette.js` (its one source) and each colour is passed through
the simulation matrices of Machado, Oliveira and Fernandes (2009, severity 1.0) for protanopia,
deuteranopia and tritanopia, in linear RGB; the distance is CIE76 ΔE in CIELAB. About 2.3 is a
just-noticeable difference; the thresholds below ask for clearly different colours.
"""

from __future__ import annotations

import itertools
import math
import re

import pytest

from .server import ROOT

SIMULATIONS = {
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}
LANES = (ROOT / "static" / "js" / "palette.js").read_text(encoding="utf-8")


def thread_colors() -> list[str]:
    found = re.search(r"THREAD_COLORS = \[([^\]]*)\]", LANES)
    assert found, "THREAD_COLORS is no longer a literal list in palette.js"
    return re.findall(r'"(#[0-9a-f]{6})"', found.group(1))


def state_colors() -> dict[str, str]:
    block = LANES[LANES.index("STATE_STYLE = {") : LANES.index("};", LANES.index("STATE_STYLE"))]
    return dict(re.findall(r'(\w+): \{ fill: "(#[0-9a-f]{6})"', block))


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def seen(hex_color: str, vision: str) -> tuple[float, float, float]:
    """The colour as `vision` sees it, in CIELAB (D65)."""
    rgb = [_linear(int(hex_color[k : k + 2], 16)) for k in (1, 3, 5)]
    m = SIMULATIONS[vision]
    r, g, b = (min(1.0, max(0.0, sum(m[row][c] * rgb[c] for c in range(3)))) for row in range(3))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))


def distance(a: str, b: str, vision: str) -> float:
    return math.dist(seen(a, vision), seen(b, vision))


def test_the_simulation_merges_what_a_deuteranope_cannot_tell_apart() -> None:
    # The check must be able to fail: pure red and green are far apart for normal vision and
    # close for a deuteranope (closer than any two colours the thresholds below allow).
    assert distance("#ff0000", "#00ff00", "normal") > 80
    assert distance("#e0463c", "#8a8a00", "deuteranopia") < 12


@pytest.mark.parametrize("vision", list(SIMULATIONS))
def test_states_stay_apart(vision: str) -> None:
    states = state_colors()
    assert set(states) == {"running", "ready", "blocked", "waiting", "sleeping", "finished"}
    for (a, ca), (b, cb) in itertools.combinations(states.items(), 2):
        assert distance(ca, cb, vision) >= 20, (vision, a, b)


@pytest.mark.parametrize("vision", list(SIMULATIONS))
def test_threads_stay_apart_from_one_another_and_from_running(vision: str) -> None:
    threads = thread_colors()
    assert len(threads) == 8
    for a, b in itertools.combinations(threads, 2):
        assert distance(a, b, vision) >= 15, (vision, a, b)
    running = state_colors()["running"]
    for color in threads:
        assert distance(color, running, vision) >= 12, (vision, color)
