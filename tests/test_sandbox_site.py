"""The site runs programs people write in the sandbox: what escaped in-process is contained
when it comes through the API, and the server, its files and the next run are untouched."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

pytestmark = pytest.mark.timeout(180)

PLAIN = textwrap.dedent(
    """\
    import threading
    lock = threading.Lock()
    def work():
        with lock:
            pass
    t = threading.Thread(target=work)
    t.start()
    t.join()
    print("done")
    """
)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(db=tmp_path / "runs.sqlite3", run_seconds=2.0)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def shape(document: dict[str, Any]) -> tuple[str, list[int], Any]:
    """What a run did: its outcome, its events' kinds (the trace is columnar) and values."""
    trace = document["trace"]
    return trace["outcome"]["status"], trace["events"]["kind"], trace["events"]["args"]


@pytest.mark.parametrize(
    "attempt",
    [
        # a file of the server's, read and written
        "print(open('{marker}').read())\nopen('{marker}', 'w').write('changed')",
        # os reached through a class's subclasses, then a shell command on the marker
        "w = [c for c in ().__class__.__base__.__subclasses__() if c.__name__ == '_wrap_close']"
        "\nw[0].__init__.__globals__['popen']('echo changed > {marker}').read()",
        # the real os module through a traced module's globals
        "import threading\n"
        "threading.Thread.__init__.__globals__['_os'].system('echo changed > {marker}')",
        # the Recorder behind print, to forge the outcome
        "rec = print.__self__\nrec.abort('completed', 'forged')",
    ],
    ids=["file", "subclasses", "globals", "recorder"],
)
def test_an_escape_sent_to_the_api_is_contained(
    client: TestClient, tmp_path: Path, attempt: str
) -> None:
    marker = tmp_path / "marker.txt"
    marker.write_text("original")
    reference = client.post("/api/runs", json={"source": PLAIN, "lang": "en"})
    assert reference.status_code == 201
    answer = client.post("/api/runs", json={"source": attempt.format(marker=marker), "lang": "en"})
    assert answer.status_code in (201, 422), answer.text
    if answer.status_code == 201:
        assert answer.json()["trace"]["outcome"]["status"] != "completed" or (
            "forged" not in answer.text
        )
    assert marker.read_text() == "original"
    again = client.post("/api/runs", json={"source": PLAIN, "lang": "en"})
    assert again.status_code == 201
    assert shape(again.json()) == shape(reference.json())


def test_a_program_that_forges_a_completed_run_is_refused(client: TestClient) -> None:
    """It reaches the recorder of its own worker and declares itself completed before it
    deadlocks: the server's checks see threads stopped under a "completed", and refuse."""
    forger = textwrap.dedent(
        """\
        import threading
        a = threading.Lock()
        b = threading.Lock()
        def one():
            with a:
                with b:
                    pass
        def two():
            with b:
                with a:
                    pass
        print.__self__.abort("completed", "Everything finished normally.")
        t1 = threading.Thread(target=one)
        t2 = threading.Thread(target=two)
        t1.start(); t2.start(); t1.join(); t2.join()
        """
    )
    answer = client.post("/api/runs", json={"source": forger, "lang": "en"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["problem"]["kind"] == "refused"
