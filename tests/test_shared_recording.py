"""Shared variables are recorded: who read what, who wrote what, in what order.

The program's own code is rewritten (app/instrument.py) to go through recording proxies; what
it prints, raises and computes must stay what plain python3 gives, and only variables that
more than one thread touched appear in the trace.
"""

from __future__ import annotations

import ast
import textwrap

import pytest

from app.instrument import find_candidates, instrument
from app.tracing import Trace

from .helpers import python3, run

pytestmark = pytest.mark.timeout(120)


def accesses(trace: Trace, label: str) -> list[tuple[str, str, object, int]]:
    var = next(o for o in trace.objects if o.kind == "Variable" and o.label == label)
    return [
        (trace.threads[e.thread].name, e.kind, e.arg, e.line)
        for e in trace.events
        if e.obj == var.id
    ]


def variables(trace: Trace) -> dict[str, str]:
    return {o.label: o.info["scope"] for o in trace.objects if o.kind == "Variable"}


@pytest.fixture(params=[True, False], ids=["compiled", "python"])
def speedups(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


LOST_UPDATE = """
    import threading, time
    counter = 0

    def add():
        global counter
        seen = counter
        time.sleep(0.02)
        counter = seen + 1

    threads = [threading.Thread(target=add, name=f"T{i}") for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(counter)
"""


def test_reads_and_writes_of_a_global_are_recorded_with_values_and_lines(speedups: bool) -> None:
    trace = run(LOST_UPDATE, speedups=speedups)
    assert trace.outcome.status == "completed"
    seen = accesses(trace, "counter")
    assert seen[0] == ("MainThread", "write", 0, 3)
    middle = sorted(seen[1:-1])
    assert middle == [
        ("T0", "read", 0, 7),
        ("T0", "write", 1, 9),
        ("T1", "read", 0, 7),
        ("T1", "write", 1, 9),
    ]
    assert seen[-1] == ("MainThread", "read", 1, 16)
    assert variables(trace) == {"counter": "global"}
    # What ran is what was recorded: the source, never the rewritten code.
    assert trace.source == textwrap.dedent(LOST_UPDATE)


def test_attributes_and_items_are_variables_of_their_own(speedups: bool) -> None:
    trace = run(
        """
        import threading

        class Account:
            total = 0

            def __init__(self, balance):
                self.balance = balance

            def withdraw(self, amount):
                self.balance -= amount
                Account.total += amount

        accounts = [Account(100), Account(50)]
        stock = {"apples": 3}

        def work(i):
            accounts[i].withdraw(10)
            stock["apples"] -= 1

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(accounts[0].balance, accounts[1].balance, Account.total, stock["apples"])
        """,
        speedups=speedups,
    )
    assert trace.outcome.status == "completed"
    assert [e.arg for e in trace.events if e.kind == "print"] == ["90 40 20 1"]
    found = variables(trace)
    assert found == {
        "Account.balance": "attribute",
        "Account.balance#2": "attribute",
        "Account.total": "attribute",
        "stock['apples']": "item",
    }
    apples = [(kind, value) for _, kind, value, _ in accesses(trace, "stock['apples']")]
    # Made by a dict display (not an item assignment), the item is first seen read.
    assert apples[0] == ("read", 3) and apples[-1] == ("read", 1)


def test_a_variable_one_thread_alone_touches_is_not_shared() -> None:
    trace = run(
        """
        import threading
        mine = 0
        theirs = 0

        def work():
            global theirs
            theirs = theirs + 1

        def main_only():
            global mine
            mine = mine + 1

        main_only()
        t = threading.Thread(target=work)
        t.start()
        t.join()
        """
    )
    assert set(variables(trace)) == {"theirs"}


def test_locals_class_names_and_closures_that_shadow_a_global_are_left_alone() -> None:
    code = """
        import threading
        counter = 0

        class Box:
            counter = 5  # a class attribute named like the global

        def local_only():
            counter = 10  # a local
            return counter

        def outer():
            counter = 1
            def inner():
                return counter  # the closure's, not the module's
            return inner()

        def bump():
            global counter
            counter += 1

        threads = [threading.Thread(target=bump) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(counter, Box.counter, local_only(), outer())
    """
    trace = run(code)
    assert [e.arg for e in trace.events if e.kind == "print"] == python3(code).stdout.split("\n")[
        :1
    ]
    lines = {line for _, _, _, line in accesses(trace, "counter")}
    assert lines == {3, 20, 27}  # the module's `counter` only: made, bumped, printed


def test_the_rewrite_keeps_every_line_and_column() -> None:
    source = textwrap.dedent(LOST_UPDATE)
    tree = ast.parse(source)
    found = find_candidates(tree)
    assert found.globals == {"counter"}
    rewritten = instrument(tree, found)
    for node in ast.walk(rewritten):
        if isinstance(node, ast.Attribute) and node.attr == "counter":
            assert source.splitlines()[node.lineno - 1][node.col_offset :].startswith("counter")


@pytest.mark.parametrize(
    "code",
    [
        "import threading\nx = 1\ndef f():\n    global x\n    del x\n    print(x)\nf()\n",
        "import threading\nclass A:\n    def set(self):\n        self.v = 1\na = A()\nprint(a.v)\n",
        "import threading\nitems = [1]\ndef f():\n    items[0] = 2\nf()\nprint(items[5])\n",
    ],
    ids=["name", "attribute", "item"],
)
def test_errors_in_rewritten_accesses_are_those_of_python3(code: str) -> None:
    plain = python3(code)
    expected = plain.stderr.strip().splitlines()[-1]
    trace = run(code)
    assert trace.outcome.status == "error"
    error = trace.outcome.error
    assert error is not None
    assert f"{error['type']}: {error['message']}" == expected
    last_line = int(plain.stderr.split(", line ")[-1].split(",")[0].split("\n")[0])
    assert error["line"] == last_line


PLUS_EQUALS = """
    import threading
    counter = 0

    def work():
        global counter
        for _ in range(5000):
            counter += 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(counter)
"""


@pytest.mark.slow
def test_recording_adds_no_switch_point_the_program_did_not_have(
    tiny_switch_interval: None,
) -> None:
    """CPython 3.11 switches threads only at loop jumps and calls, never inside `counter += 1`:
    plain python3 never loses an update here, so a recorded run must not either. (A proxy
    written in Python would add a switch point at its entry and lose thousands.)"""
    assert python3(PLUS_EQUALS).stdout.strip() == "20000"
    for _ in range(5):
        trace = run(PLUS_EQUALS, max_events=100_000)
        assert [e.arg for e in trace.events if e.kind == "print"] == ["20000"]
        assert len(accesses(trace, "counter")) == 1 + 2 * 20_000 + 1


def test_the_checker_refuses_a_read_that_no_write_explains() -> None:
    from app.tracing.check import problems
    from app.tracing.trace import Event

    recorded = run(LOST_UPDATE)
    assert problems(recorded) == []
    trace = Trace.from_json(recorded.to_json())  # a copy to spoil
    var = next(o.id for o in trace.objects if o.kind == "Variable")
    # A read of a value the last write did not leave: what a stamp taken out of step with its
    # access would record.
    index = next(i for i, e in enumerate(trace.events) if e.obj == var and e.kind == "read")
    bad = trace.events[index]._replace(arg=41)
    trace.events[index] = Event(*bad)
    assert any("the last write left" in p for p in problems(trace))


@pytest.mark.parametrize("lang", ["es", "en"])
def test_race_condition_names_each_lost_increment_and_the_lock_prevents_them(lang: str) -> None:
    from app.analysis import analyse
    from app.runner import run_source
    from app.scenarios import get_scenario

    scenario = get_scenario("race-condition")
    for use_lock in (False, True):
        trace = run_source(scenario.source(lang), {"USE_LOCK": use_lock}, specs=scenario.params)
        summary = str([e.arg for e in trace.events if e.kind == "print"][-1])
        total, expected = (int(part) for part in summary.replace(";", ":").split(":")[1::2])
        document = analyse(trace).to_json(lang)
        # One lost update named for each increment missing from the total.
        assert len(document["lost_updates"]) == expected - total
        assert bool(document["races"]) is not use_lock
        for lost in document["lost_updates"]:
            assert lost["read"] < lost["overwritten"] < lost["write"]
            assert lost["text"]
