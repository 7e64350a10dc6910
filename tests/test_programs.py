"""Programs people write, through the API and the pages: runs, schedules and explorations of
a source; every mistake a 422 in the writer's language with its line; content-addressed,
immutable programs and custom scenarios."""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from app.main import create_app
from app.scenarios import get_scenario
from app.settings import Settings
from app.web.pages import values_in_order
from app.web.programs import MAX_THREADS, Program

from .helpers import values_used

pytestmark = pytest.mark.timeout(120)

WORKERS = """import threading
import time

WORKERS = 2
PAUSE = 0.001
lock = threading.Lock()
done = []

def work(n):
    with lock:
        time.sleep(PAUSE)
        done.append(n)

threads = [threading.Thread(target=work, args=(n,)) for n in range(WORKERS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(done))
"""

RACE = """import threading

counter = 0

def add():
    global counter
    seen = counter
    counter = seen + 1

threads = [threading.Thread(target=add) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(counter)
"""


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(db=tmp_path / "runs.sqlite3", run_seconds=1.0, max_source=2_000)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def run(client: TestClient, source: str, **body: Any) -> Any:
    return client.post("/api/runs", json={"source": source, **body})


def test_a_source_runs_like_a_scenario(client: TestClient) -> None:
    answer = run(client, WORKERS, lang="en", params={"WORKERS": 3})
    assert answer.status_code == 201
    document = answer.json()
    assert answer.headers["location"] == f"/api/runs/{document['id']}"
    assert document["outcome"]["status"] == "completed"
    assert document["params"] == {"PAUSE": 0.001, "WORKERS": 3}
    assert [t["name"] for t in document["trace"]["threads"]][:1] == ["MainThread"]
    assert len(document["trace"]["threads"]) == 4
    assert "WORKERS = 3" in document["trace"]["source"]
    assert document["analysis"]["narration"]
    # The saved run is served like any other, and its program keeps the source as written.
    assert client.get(f"/api/runs/{document['id']}").json()["id"] == document["id"]
    program = client.get(f"/api/programs/{document['program']}").json()
    assert program["source"] == WORKERS and program["params"] == {"WORKERS": 3}
    assert program["run"] == document["id"]
    # Its page holds what ran: the values given, written into the program.
    page = client.get(f"/programs/{document['program']}?lang=en").text
    assert "WORKERS = 3" in page and "WORKERS = 2" not in page


def test_a_runs_page_lists_the_values_in_the_order_the_program_writes_them(
    client: TestClient,
) -> None:
    # WORKERS comes before PAUSE in the source; a stored run keeps them by name.
    document = run(client, WORKERS, lang="en", params={"WORKERS": 3}).json()
    assert list(document["params"]) == ["PAUSE", "WORKERS"]
    page = client.get(f"/runs/{document['id']}?lang=en").text
    assert values_used(page) == "Values used: WORKERS: 3 · PAUSE: 0.001"
    spanish = client.get(f"/runs/{document['id']}?lang=es").text
    assert values_used(spanish) == "Valores usados: WORKERS: 3 · PAUSE: 0,001"
    # The same after a run from the editor, swapped in by htmx.
    hx = {"HX-Request": "true"}
    swapped = client.post("/write/runs?lang=en", data={"source": WORKERS}, headers=hx).text
    assert values_used(swapped) == "Values used: WORKERS: 2 · PAUSE: 0.001"
    # And side by side with another run of it.
    other = run(client, WORKERS, lang="en", params={"WORKERS": 4}).json()
    compared = client.get(f"/compare?a={document['id']}&b={other['id']}&lang=en").text
    assert "WORKERS: 3 · PAUSE: 0.001" in compared and "WORKERS: 4 · PAUSE: 0.001" in compared


def test_values_in_order_follow_the_source_then_the_rest() -> None:
    source = "ZETA = 1\nALPHA = 2\nMID: int = 3\n"
    given = {"ALPHA": 5, "GONE": 0, "MID": 3, "ZETA": 1}
    assert list(values_in_order(given, None, source)) == ["ZETA", "ALPHA", "MID", "GONE"]
    assert list(values_in_order(given, None, "x = (")) == list(given)  # unreadable: as stored
    race = get_scenario("race-condition")
    assert list(values_in_order({"USE_LOCK": True, "THREADS": 2}, race)) == [
        "THREADS",
        "USE_LOCK",
    ]


def test_the_same_source_and_values_have_the_same_id_and_it_never_changes(
    client: TestClient,
) -> None:
    first = run(client, WORKERS, lang="en", params={"WORKERS": "3"}).json()
    again = run(client, WORKERS, lang="es", params={"WORKERS": 3}).json()
    other = run(client, WORKERS, lang="en", params={"WORKERS": 4}).json()
    edited = run(client, WORKERS + "\n", lang="en", params={"WORKERS": 3}).json()
    assert first["program"] == again["program"]  # "3" is the value 3; the language is not
    assert first["id"] != again["id"]  # each run is a run of its own
    assert len({first["program"], other["program"], edited["program"]}) == 3
    # The program's permalink keeps its first run: a later run does not replace it.
    stored = client.get(f"/api/programs/{first['program']}")
    assert stored.json()["run"] == first["id"]
    assert stored.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_saving_as_a_custom_scenario_makes_a_program_of_its_own(client: TestClient) -> None:
    base = run(client, WORKERS, lang="en").json()
    body = {"program": base["program"], "title": "Two workers", "notes": "Who holds the lock?"}
    saved = client.post("/api/programs", json=body)
    assert saved.status_code == 201
    custom = saved.json()
    assert custom["id"] != base["program"] and custom["run"] == base["id"]
    assert custom["title"] == "Two workers" and custom["source"] == WORKERS
    assert custom["embed"] == f"/embed/programs/{custom['id']}"
    assert client.post("/api/programs", json=body).json()["id"] == custom["id"]
    # Another title is another scenario; the first is untouched.
    renamed = client.post("/api/programs", json=body | {"title": "Three"}).json()
    assert renamed["id"] != custom["id"]
    assert client.get(f"/api/programs/{custom['id']}").json()["title"] == "Two workers"
    assert client.post("/api/programs", json=body | {"program": "pnope"}).status_code == 404
    assert client.post("/api/programs", json=body | {"title": "  "}).status_code == 422
    assert client.post("/api/programs", json=body | {"title": "x" * 121}).status_code == 422
    # Its page and its embed show the title, the notes and the run.
    page = client.get(f"/programs/{custom['id']}?lang=en").text
    assert "Two workers" in page and "Who holds the lock?" in page and base["id"] in page
    embed = client.get(f"/embed/programs/{custom['id']}?lang=en")
    assert embed.status_code == 200 and "Two workers" in embed.text
    assert "frame-ancestors *" in embed.headers["content-security-policy"]
    assert f"/api/runs/{base['id']}" in embed.text
    page_url = f"http://testserver/programs/{custom['id']}?lang=en"
    oembed = client.get("/oembed", params={"url": page_url}).json()
    assert oembed["title"] == "Two workers" and f"/embed/programs/{custom['id']}" in oembed["html"]


@pytest.mark.parametrize(
    ("source", "lang", "kind", "line", "words"),
    [
        ("import threading\nif True\n    pass\n", "en", "syntax", 2, "Line 2: syntax error"),
        ("import threading\nx = (1,\n", "es", "syntax", 2, "Línea 2: error de sintaxis"),
        ("def f():\n    pass\nreturn 1\n", "en", "syntax", 3, "'return' outside function"),
        ("import threading\nimport os\n", "en", "import", 2, "“os” cannot be imported"),
        ("from subprocess import run\n", "es", "import", 1, "«subprocess»"),
        ("from . import x\n", "en", "import", 1, "relative imports"),
        ("   \n", "en", "empty", 0, "The program is empty"),
        ("x = 1\0\n", "en", "syntax", 0, "null bytes"),
        ("x = 0\nwhile True:\n    x += 1\n", "en", "timeout", 2, "still running after 1 s"),
        ("while True:\n    pass\n", "es", "timeout", 1, "seguía ejecutándose a los 1 s"),
        (
            "import threading, time\nfor _ in range(100):\n"
            "    threading.Thread(target=time.sleep, args=(1,)).start()\n",
            "en",
            "threads",
            3,
            f"more than {MAX_THREADS} threads",
        ),
    ],
)
def test_each_mistake_is_a_422_in_the_writers_language_with_its_line(
    client: TestClient, source: str, lang: str, kind: str, line: int, words: str
) -> None:
    answer = run(client, source, lang=lang)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert words in body["detail"]
    assert body["problem"] == {"kind": kind, "line": line}


@pytest.mark.parametrize(
    ("source", "lang", "words"),
    [
        ("x = " + "-" * 11_000 + "1\n", "en", "nests expressions deeper"),  # the parser's stack
        ("x = a" + ".b" * 2_000 + "\n", "es", "anida expresiones"),  # the compiler's recursion
    ],
)
def test_a_program_nested_past_pythons_depth_is_a_422_not_a_crash(
    tmp_path: Path, source: str, lang: str, words: str
) -> None:
    settings = Settings(db=tmp_path / "deep.sqlite3", max_source=20_000)
    with TestClient(create_app(settings)) as client:
        for path in ("/api/runs", "/api/schedules", "/api/explorations"):
            answer = client.post(path, json={"source": source, "lang": lang})
            assert answer.status_code == 422, (path, answer.text)
            assert words in answer.json()["detail"]


def test_an_exception_is_a_run_that_says_its_line(client: TestClient) -> None:
    source = "import threading\nt = threading.Thread(target=print)\nt.start()\nt.start()\n"
    answer = run(client, source, lang="en")
    assert answer.status_code == 201
    outcome = answer.json()["outcome"]
    assert outcome["status"] == "error"
    assert outcome["error"]["type"] == "RuntimeError" and outcome["error"]["line"] == 4
    problem = answer.json()["problem"]
    assert problem["kind"] == "exception" and problem["line"] == 4
    assert problem["message"].startswith("Line 4: the program raised RuntimeError: ")
    assert "problem" not in run(client, WORKERS, lang="en").json()
    page = client.get(f"/runs/{answer.json()['id']}?lang=es").text
    assert 'data-line="4"' in page and "Línea 4: el programa lanzó RuntimeError" in page


def test_an_exception_in_a_thread_is_pointed_at_while_the_program_goes_on(
    client: TestClient,
) -> None:
    source = "import threading\ndef f():\n    1 / 0\nt = threading.Thread(target=f)\n"
    source += "t.start()\nt.join()\nprint('after')\n"
    answer = run(client, source, lang="en")
    assert answer.status_code == 201 and answer.json()["outcome"]["status"] == "completed"
    page = client.get(f"/runs/{answer.json()['id']}?lang=en").text
    assert 'data-line="3"' in page
    assert "Line 3: Thread-1 (f) raised ZeroDivisionError: division by zero" in page


def test_the_size_limit_is_a_setting_stated_in_the_error(client: TestClient) -> None:
    source = "x = 1\n" * 400  # 2 400 characters, past the 2 000 of these settings
    answer = run(client, source, lang="en")
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith(
        "The program has 2,400 characters; the limit is 2,000"
    )
    assert answer.json()["problem"] == {"kind": "size", "line": 0}
    page = client.get("/write?lang=en").text
    assert "At most 2,000 characters." in page
    spanish = run(client, source, lang="es").json()["detail"]
    assert spanish.startswith("El programa tiene 2\u202f400 caracteres; el límite es 2\u202f000")


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"NOPE": 1}, "“NOPE” is not a value of this program; its values are its UPPER_CASE"),
        ({"WORKERS": "many"}, "“WORKERS” must be a whole number, as in the program; it got 'many'"),
        ({"PAUSE": True}, "“PAUSE” must be a number"),
    ],
)
def test_values_are_checked_against_the_constants_of_the_program(
    client: TestClient, params: dict[str, Any], words: str
) -> None:
    answer = run(client, WORKERS, lang="en", params=params)
    assert answer.status_code == 422
    assert words in answer.json()["detail"]


def test_a_request_names_a_scenario_or_gives_a_source_not_both(client: TestClient) -> None:
    both = client.post("/api/runs", json={"scenario": "lock", "source": WORKERS})
    neither = client.post("/api/runs", json={"lang": "en"})
    assert both.status_code == neither.status_code == 422
    assert "either scenario" in json.dumps(both.json())
    assert client.post("/api/runs", json={"scenario": "lock"}).status_code == 201


def test_a_source_can_be_scheduled_step_by_step(client: TestClient) -> None:
    opening = client.post("/api/schedules", json={"source": RACE, "lang": "en"})
    assert opening.status_code == 200
    document = opening.json()
    assert document["outcome"]["status"] == "paused"
    ready = [o["thread"] for o in document["schedule"]["next"]]
    assert len(ready) >= 2
    chosen = client.post(
        "/api/schedules", json={"source": RACE, "lang": "en", "choices": [ready[1]]}
    )
    assert chosen.status_code == 200
    assert chosen.json()["schedule"]["choices"] == [ready[1]]
    to_end = client.post("/api/schedules", json={"source": RACE, "run_to_end": True})
    assert to_end.json()["outcome"]["status"] == "completed"
    misfit = client.post("/api/schedules", json={"source": RACE, "choices": ["Nobody"]})
    assert misfit.status_code == 422 and "does not fit" in misfit.json()["detail"]
    bad = client.post("/api/schedules", json={"source": "import socket\n", "lang": "en"})
    assert bad.status_code == 422 and bad.json()["problem"]["kind"] == "import"


def test_a_source_can_be_explored_and_finds_the_lost_update(client: TestClient) -> None:
    body = {"source": RACE, "lang": "en", "preemptions": 1}
    started = client.post("/api/explorations", json=body)
    assert started.status_code in (200, 202)
    url = started.headers["location"]
    deadline = time.monotonic() + 60
    answer = client.get(url)
    while answer.status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.05)
        answer = client.get(url)
    result = answer.json()
    assert result["status"] == "done" and result["program"]
    printed = sorted(e["output"][-1] for e in result["outcomes"])
    assert printed == ["1", "2"]  # the lost update, and the right total
    again = client.post("/api/explorations", json=body)
    assert again.status_code == 200 and again.headers["location"] == url  # kept, by address
    bad = client.post("/api/explorations", json=body | {"source": "x = ("})
    assert bad.status_code == 422 and bad.json()["problem"] == {"kind": "syntax", "line": 1}


def test_the_editor_page_in_both_languages_and_edit_this_program(client: TestClient) -> None:
    for lang, title in (("es", "Escribe el tuyo"), ("en", "Write your own")):
        page = client.get(f"/write?lang={lang}").text
        assert title in page and 'name="source"' in page and "vendor/editor.js" not in page
        assert "js/write.js" in page
        gallery = client.get(f"/?lang={lang}").text
        assert f'href="/write?lang={lang}"' in gallery
    scenario = client.get("/scenarios/race-condition?lang=en").text
    assert "/write?scenario=race-condition&amp;lang=en" in scenario
    prefilled = client.get("/write?scenario=race-condition&lang=en&THREADS=5").text
    assert "THREADS = 5" in prefilled and "def thread_function" in prefilled
    assert client.get("/write?scenario=nope&lang=en").status_code == 404
    assert client.get("/write?scenario=race-condition&lang=en&THREADS=99").status_code == 422


def test_running_from_the_page_without_a_script(client: TestClient) -> None:
    answer = client.post("/write/runs?lang=en", data={"source": WORKERS}, follow_redirects=False)
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert "WORKERS = 2" in page and 'class="player"' in page and "/programs/p" in page
    refused = client.post("/write/runs?lang=es", data={"source": "import os\n"})
    assert refused.status_code == 422
    assert 'data-line="1"' in refused.text and "no se puede importar «os»" in refused.text
    assert "import os" in refused.text  # the program stays in the editor


def test_running_from_the_page_with_htmx(client: TestClient) -> None:
    hx = {"HX-Request": "true"}
    answer = client.post("/write/runs?lang=en", data={"source": WORKERS}, headers=hx)
    assert answer.status_code == 201
    assert answer.headers["hx-push-url"].startswith("/runs/")
    assert 'id="program-result"' in answer.text and 'hx-swap-oob="true"' in answer.text
    refused = client.post("/write/runs?lang=en", data={"source": "x = ("}, headers=hx)
    assert refused.status_code == 422 and refused.headers["hx-retarget"] == "#run-error"
    assert 'data-line="1"' in refused.text


def test_saving_from_the_page_checks_the_title(client: TestClient) -> None:
    program = run(client, WORKERS, lang="en").json()["program"]
    empty = client.post(f"/programs/{program}/scenario?lang=en", data={"title": " "})
    assert empty.status_code == 422 and "The scenario needs a title." in empty.text
    saved = client.post(
        f"/programs/{program}/scenario?lang=en",
        data={"title": "Mine", "notes": "First.\n\nSecond."},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    page = client.get(saved.headers["location"]).text
    assert "<p>First.</p>" in page and "<p>Second.</p>" in page
    assert client.get("/programs/pnothere?lang=en").status_code == 404
    assert client.get("/embed/programs/pnothere?lang=en").status_code == 404


@pytest.mark.parametrize("mode", ["choose", "explore"])
def test_a_programs_modes_carry_its_source(client: TestClient, mode: str) -> None:
    program = run(client, WORKERS, lang="en", params={"WORKERS": 3}).json()["program"]
    for path in (f"/programs/{program}", f"/embed/programs/{program}"):
        page = client.get(f"{path}?lang=en&mode={mode}")
        assert page.status_code == 200
        assert "data-request=" in page.text and "WORKERS" in page.text
        assert "&#34;WORKERS&#34;: 3" in page.text or '"WORKERS": 3' in page.text
    assert client.get(f"/programs/{program}?lang=en&mode=nope").status_code == 422


FRAGMENTS = st.sampled_from(
    [
        "import threading\n", "import os\n", "x = 1\n", "def f():\n", "    ", "pass\n", "(", ")",
        "[", "]", ":", "\n", "t = threading.Thread(target=f)\n", "t.start()\n", "t.join()\n",
        "raise ValueError('x')\n", "lock = threading.Lock()\n", "with lock:\n", "N = 3\n",
        "for i in range(N):\n", "print(i)\n", "\t", "1 / 0\n", "return\n", "yield\n", "λ", "\0",
    ]
)  # fmt: skip


@given(pieces=st.lists(FRAGMENTS | st.text(max_size=8), max_size=14))
@hyp_settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_text_is_a_run_or_a_reason_never_a_server_error(
    client: TestClient, pieces: list[str]
) -> None:
    answer = run(client, "".join(pieces), lang="es")
    assert answer.status_code in (201, 422), answer.text[:300]
    if answer.status_code == 422:
        assert answer.json()["detail"]


def test_notes_keep_their_paragraphs_whatever_line_ends_they_came_with(
    client: TestClient,
) -> None:
    program = run(client, WORKERS, lang="en").json()["program"]
    # A browser's form sends \r\n; the API normalises for every client, before the lengths.
    body = {"program": program, "title": "Paras", "notes": "First para.\r\n\r\nSecond para"}
    saved = client.post("/api/programs", json=body).json()
    assert saved["notes"] == "First para.\n\nSecond para"
    long = body | {"notes": "x" * 999 + "\r\n" + "y" * 1000}  # 2 001 sent, 2 000 once one
    assert client.post("/api/programs", json=long).status_code == 201
    posted = client.post(
        f"/programs/{program}/scenario?lang=es",
        data={"title": "Párrafos", "notes": "Uno.\r\n\r\nDos.\r\nSigue dos."},
        follow_redirects=False,
    )
    page = client.get(posted.headers["location"]).text
    assert "<p>Uno.</p>" in page and "<p>Dos.\nSigue dos.</p>" in page
    # Notes saved with \r\n before this was so are shown in paragraphs too, and kept as saved.
    old = Program(WORKERS, {}, "Old", "Old one.\r\n\r\nOld two.")
    store = client.app.state.programs.store  # type: ignore[attr-defined]
    store.save_program(old.id, json.dumps(old.document(saved["run"], "en")).encode())
    page = client.get(f"/programs/{old.id}?lang=en").text
    assert "<p>Old one.</p>" in page and "<p>Old two.</p>" in page
    assert client.get(f"/api/programs/{old.id}").json()["notes"] == "Old one.\r\n\r\nOld two."


SPIN = """import threading

N = 0

def spin():
    n = 0
    while True:
        n += 1

t = threading.Thread(target=spin, name="spinner")
t.start()
t.join()
"""


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("es", "spinner seguía ejecutándose a los 1 s, el límite. ¿Un bucle que no termina?"),
        ("en", "spinner was still running after 1 s, the limit. A loop that never ends?"),
    ],
)
def test_an_endless_loop_in_a_thread_is_pointed_at_in_that_thread(
    client: TestClient, lang: str, words: str
) -> None:
    answer = run(client, SPIN, lang=lang)
    assert answer.status_code == 422, answer.text
    problem = answer.json()["problem"]
    assert problem["kind"] == "timeout" and problem["line"] in (7, 8)  # not the join, line 12
    assert answer.json()["detail"] == f"Line {problem['line']}: {words}".replace(
        "Line", "Línea" if lang == "es" else "Line"
    )


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("if True\n    pass\n", "Línea 1: error de sintaxis: falta «:»."),
        ("x = (1,\n", "Línea 1: error de sintaxis: «(» no se cierra nunca."),
        ("a b\n", "Línea 1: error de sintaxis: sintaxis no válida."),
        ("if True:\n  x = 1\n    y = 2\n", "Línea 3: error de sintaxis: sangría inesperada."),
        (
            "def f():\n    pass\ndef g():\nreturn 1\n",
            "Línea 4: error de sintaxis: falta un bloque sangrado después de la definición de "
            "función de la línea 3.",
        ),
        (
            "for i in range(3):\nprint(i)\n",
            "Línea 2: error de sintaxis: falta un bloque sangrado después de la sentencia «for» "
            "de la línea 1.",
        ),
        ("return 1\n", "Línea 1: error de sintaxis: «return» fuera de una función."),
        ("x = 'abc\n", "Línea 1: error de sintaxis: una cadena sin cerrar (vista en la línea 1)."),
        (
            "f() = 1\n",
            "Línea 1: error de sintaxis: no se puede asignar a una llamada a función aquí. "
            "¿Querías decir «==» en lugar de «=»?",
        ),
        ("x = 1\0\n", "El programa no se puede leer: el programa contiene un carácter nulo."),
        # One Python says that the table does not know: its English words, quoted.
        (
            "a, b += 1\n",
            "Línea 1: error de sintaxis (Python lo dice en inglés: «'tuple' is an illegal "
            "expression for augmented assignment»).",
        ),
    ],
)
def test_a_syntax_error_is_said_in_spanish_on_the_spanish_page(
    client: TestClient, source: str, words: str
) -> None:
    answer = run(client, source, lang="es")
    assert answer.status_code == 422
    assert answer.json()["detail"] == words


def test_an_import_refused_while_running_is_said_in_the_runs_language(
    client: TestClient,
) -> None:
    source = "import threading\nm = __import__('os')\n"
    spanish = run(client, source, lang="es").json()["problem"]
    assert spanish["line"] == 2 and spanish["message"].startswith(
        "Línea 2: el programa lanzó ImportError: no se puede importar «os»; un programa de "
        "Hilos puede importar "
    )
    english = run(client, source, lang="en").json()["problem"]
    assert "ImportError: import of 'os' is not allowed; a Hilos program may" in english["message"]


@pytest.mark.parametrize("where", ["main", "thread"])
def test_a_run_that_raised_is_headed_as_what_it_did_not_as_a_refusal(
    client: TestClient, where: str
) -> None:
    body = "    1 / 0\n" if where == "thread" else "    pass\n"
    source = f"import threading\ndef boom():\n{body}t = threading.Thread(target=boom)\n"
    source += "t.start()\nt.join()\n" + ("1 / 0\n" if where == "main" else "")
    hx = {"HX-Request": "true"}
    for lang, raised, refused in (
        ("es", "El programa lanzó una excepción", "No se pudo"),
        ("en", "The program raised an exception", "Could not do that"),
    ):
        answer = client.post(f"/write/runs?lang={lang}", data={"source": source}, headers=hx)
        assert answer.status_code == 201
        assert f"<strong>{raised}:</strong>" in answer.text and refused not in answer.text
        page = client.get(answer.headers["hx-push-url"]).text
        assert f"<strong>{raised}:</strong>" in page and f"<strong>{refused}:" not in page
        # A refusal (the program did not run) keeps its heading.
        bad = client.post(f"/write/runs?lang={lang}", data={"source": "x = ("}, headers=hx)
        assert f"<strong>{refused}:</strong>" in bad.text and raised not in bad.text


def test_a_custom_scenario_keeps_its_title_when_shared_or_taken_away(client: TestClient) -> None:
    base = run(client, WORKERS, lang="en").json()
    body = {"program": base["program"], "title": "Two workers", "notes": "Who holds the lock?"}
    custom = client.post("/api/programs", json=body).json()
    page = client.get(f"/programs/{custom['id']}?lang=en").text
    permalink = re.search(r'value="([^"]+)" data-share="permalink"', page)
    assert permalink is not None
    assert permalink.group(1) == f"http://testserver/programs/{custom['id']}?lang=en"
    shared = client.get(permalink.group(1)).text
    assert "<title>Hilos — Two workers</title>" in shared and "Who holds the lock?" in shared
    download = re.search(r'href="(/runs/[^"]+/download[^"]+)"', page)
    assert download is not None
    offline = client.get(html.unescape(download.group(1)))
    assert offline.status_code == 200
    assert "<title>Hilos — Two workers</title>" in offline.text
    assert "<p>Who holds the lock?</p>" in offline.text
    export = re.search(r'href="(/api/runs/[^"]+/perfetto[^"]*)"', page)
    assert export is not None
    events = client.get(html.unescape(export.group(1))).json()
    assert events["otherData"]["hilos"] == "Hilos: Two workers"
    # A program that is not this run's (or none at all) is refused, not silently ignored.
    other = run(client, "print('other')\n", lang="en").json()
    wrong = client.get(f"/runs/{other['id']}/download?lang=en&program={custom['id']}")
    assert wrong.status_code == 404 and "is not the one of program" in wrong.text
    missing = client.get(f"/api/runs/{base['id']}/perfetto?program=pnope")
    assert missing.status_code == 404 and "pnope" in missing.json()["detail"]
    # oEmbed of its page in a mode embeds that mode.
    pasted = f"http://testserver/programs/{custom['id']}?lang=en&mode=choose"
    frame = client.get("/oembed", params={"url": pasted}).json()["html"]
    assert f"/embed/programs/{custom['id']}?lang=en&amp;mode=choose" in frame
    # The program without a title still shares its run and downloads as a run.
    plain = client.get(f"/programs/{base['program']}?lang=en").text
    assert f'value="http://testserver/runs/{base["id"]}?lang=en" data-share="permalink"' in plain
