"""The escape battery again, with the server as a plain user: the container image's case.

CI runs as root, where each worker first becomes nobody. A server run as a plain user skips
that step: its workers are the server's own user outside their namespaces, so a signal to
the server, say, is stopped by the seccomp filter alone. Here the whole battery
(`test_sandbox_escapes.py`) runs in a child pytest inside a user namespace in which this
process is uid 1000, so the jail takes the plain user's path.

One difference from a real plain user remains, and the thread bomb is left out for it: the
kernel still knows the child as root (uid 1000 there maps to root outside) and root is exempt
from the process limit. A real plain user's workers have the limit, each counted in its own
namespace, as the root case shows (that test runs in the battery itself).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.timeout(300)

# The kernel exempts root from RLIMIT_NPROC (see the module's docstring).
LEFT_OUT = "not test_a_thread_bomb_stops_at_the_process_limit"


def _as_plain_user(command: list[str]) -> list[str]:
    return ["unshare", "--user", "--map-user=1000", "--map-group=1000", *command]


@pytest.mark.slow
def test_the_escape_battery_holds_with_the_server_as_a_plain_user() -> None:
    if os.geteuid() != 0:
        pytest.skip("already a plain user: test_sandbox_escapes.py itself is this case")
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to run the battery as a plain user")
    probe = subprocess.run(
        _as_plain_user([sys.executable, "-c", "import os; print(os.geteuid())"]),
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.stdout.strip() == "1000", probe.stderr
    env = {**os.environ, "CI": os.environ.get("CI", "") or "1"}  # no sandbox is a failure
    battery = subprocess.run(
        _as_plain_user(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-k",
                LEFT_OUT,
                "tests/test_sandbox_escapes.py",
            ]
        ),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    summary = battery.stdout.strip().splitlines()[-1:] or [battery.stderr[-2000:]]
    assert battery.returncode == 0, battery.stdout[-4000:] + battery.stderr[-2000:]
    # Every attempt ran and passed (none skipped: the sandbox must work as a plain user).
    assert "passed" in summary[0] and "skipped" not in summary[0], summary[0]
    assert "deselected" in summary[0]  # the thread bomb, and only because of the exemption
