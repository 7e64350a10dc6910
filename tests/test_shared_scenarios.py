"""The shared-data scenarios print what they teach, under plain Python and under Hilos.

check-then-act overdraws the account unless the lock keeps the check and the withdrawal
together; plus-equals prints a total never above the expected one, and exactly it with the
lock. Whether += loses anything without the lock is up to the interpreter: not asserted.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.runner import apply_parameters, run_source
from app.scenarios import LANGS, get_scenario

pytestmark = pytest.mark.timeout(120)

INITIAL = {"es": "Saldo inicial: 100", "en": "Initial balance: 100"}
FINAL = re.compile(r"(?:Saldo final|Final balance): (-?\d+)")
WITHDRAWS = re.compile(r"(?:Hilo|Thread)-\d+ (?:retira|withdraws) (\d+)")
TOTAL = re.compile(r"Total: (\d+); (?:esperado|expected): (\d+)")


def plain_output(scenario_id: str, lang: str, tmp_path: Path, **params: object) -> list[str]:
    """The lines one run prints under plain `python3`, with `params` set in its source."""
    scenario = get_scenario(scenario_id)
    source, _ = apply_parameters(scenario.source(lang), params, scenario.params)
    path = tmp_path / f"{scenario_id}-{lang}.py"
    path.write_text(source, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def hilos_output(scenario_id: str, lang: str, **params: object) -> list[str]:
    """The lines one recorded run prints; the run must complete, as the scenario claims."""
    scenario = get_scenario(scenario_id)
    trace = run_source(
        scenario.source(lang), params, specs=scenario.params, scenario=scenario_id, lang=lang
    )
    assert trace.outcome.status == scenario.outcome == "completed"
    return [str(e.arg) for e in trace.events if e.kind == "print"]


def final_balance(lines: list[str], lang: str, amount: int = 80) -> int:
    """The final balance printed, checked against the withdrawals the threads reported."""
    assert lines[0] == INITIAL[lang]
    final = FINAL.fullmatch(lines[-1])
    assert final is not None, lines
    # Under plain Python two threads' prints may share a line: print() writes the text and
    # the newline separately, and another thread can write in between.
    withdrawn = [int(value) for value in WITHDRAWS.findall("\n".join(lines[1:-1]))]
    assert all(value == amount for value in withdrawn), lines
    # No withdrawal is lost: the balance is exactly 100 minus what was withdrawn.
    assert int(final.group(1)) == 100 - sum(withdrawn), lines
    return int(final.group(1))


def total(lines: list[str]) -> tuple[int, int]:
    assert len(lines) == 1, lines
    match = TOTAL.fullmatch(lines[0])
    assert match is not None, lines
    return int(match.group(1)), int(match.group(2))


# -- check-then-act ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_check_then_act_overdraws_under_plain_python(lang: str, tmp_path: Path) -> None:
    runs = [plain_output("check-then-act", lang, tmp_path) for _ in range(5)]
    balances = [final_balance(lines, lang) for lines in runs]
    assert sum(b < 0 for b in balances) >= 4, balances


@pytest.mark.parametrize("lang", LANGS)
def test_check_then_act_overdraws_under_hilos(lang: str) -> None:
    runs = [hilos_output("check-then-act", lang) for _ in range(5)]
    balances = [final_balance(lines, lang) for lines in runs]
    assert sum(b < 0 for b in balances) >= 4, balances


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("threads", "amount"), [(2, 80), (3, 100), (4, 30)])
def test_check_then_act_with_the_lock_never_overdraws(lang: str, threads: int, amount: int) -> None:
    for _ in range(3):
        lines = hilos_output("check-then-act", lang, THREADS=threads, AMOUNT=amount, USE_LOCK=True)
        # Each thread withdraws while the balance allows it, and no more.
        assert final_balance(lines, lang, amount) == 100 - amount * min(threads, 100 // amount)


@pytest.mark.parametrize("lang", LANGS)
def test_check_then_act_with_the_lock_under_plain_python(lang: str, tmp_path: Path) -> None:
    lines = plain_output("check-then-act", lang, tmp_path, USE_LOCK=True)
    assert final_balance(lines, lang) == 20


# -- plus-equals ---------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_plus_equals_prints_a_total_under_plain_python(lang: str, tmp_path: Path) -> None:
    got, expected = total(plain_output("plus-equals", lang, tmp_path))
    assert expected == 4 * 2000
    assert 0 < got <= expected


@pytest.mark.parametrize("lang", LANGS)
def test_plus_equals_prints_a_total_under_hilos(lang: str) -> None:
    got, expected = total(hilos_output("plus-equals", lang, THREADS=3, ITERATIONS=500))
    assert expected == 3 * 500
    assert 0 < got <= expected


@pytest.mark.parametrize("lang", LANGS)
def test_plus_equals_with_the_lock_adds_up(lang: str, tmp_path: Path) -> None:
    assert total(hilos_output("plus-equals", lang, USE_LOCK=True)) == (8000, 8000)
    assert total(plain_output("plus-equals", lang, tmp_path, USE_LOCK=True)) == (8000, 8000)


@pytest.mark.parametrize("lang", LANGS)
def test_plus_equals_at_its_largest_is_recorded_whole(lang: str) -> None:
    # Every read and write of the counter is an event: the bounds keep the run under the
    # recorder's event limit, so it completes instead of being cut short.
    scenario = get_scenario("plus-equals")
    largest = {name: p.max for name, p in scenario.params.items() if p.max is not None}
    lines = hilos_output("plus-equals", lang, USE_LOCK=True, **largest)
    assert total(lines) == (8 * 3000, 8 * 3000)
