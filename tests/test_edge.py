"""The HTTP edge: fair live runs (per-client buckets, CPU-sized capacity), HEAD and OPTIONS,
pages kept with an ETag, absolute links from the configured address, trusted proxies."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.web import admission
from app.web.admission import TokenBuckets, run_cost
from app.web.i18n import say
from app.web.runs import CpuGauge, RunExecutor, Saturated
from app.web.templating import Pages

pytestmark = pytest.mark.timeout(120)


def make_client(tmp_path: Path, **values: Any) -> TestClient:
    settings = Settings(db=tmp_path / "runs.sqlite3", **values)
    return TestClient(create_app(settings))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path) as test_client:
        yield test_client


# -- per-client buckets --------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_grants_its_burst_then_its_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(per_minute=30, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("a") == pytest.approx(2.0)  # one token every 2 s
    assert buckets.take("b") == 0  # another client has its own bucket
    clock.now += 2
    assert buckets.take("a") == 0 and buckets.take("a") > 0
    assert [buckets.take("s", 0.1) for _ in range(30)] == [0] * 30  # steps of "You choose"


def test_only_recording_requests_cost_tokens() -> None:
    assert run_cost("POST", "/api/runs") == 1 and run_cost("POST", "/scenarios/lock/runs") == 1
    assert run_cost("POST", "/api/explorations") == 1
    assert run_cost("POST", "/write/runs") == 1  # a program written on the site, run
    assert 0 < run_cost("POST", "/api/schedules") < 1
    assert run_cost("GET", "/api/runs") == 0 and run_cost("GET", "/") == 0


def test_a_client_past_its_share_gets_429_before_its_body_is_read(tmp_path: Path) -> None:
    with make_client(tmp_path, client_burst=2, client_runs_per_minute=6) as client:
        for _ in range(2):
            assert client.post("/api/runs", json={"scenario": "lock"}).status_code == 201
        # Not even JSON: refused before parsing, so the answer is 429, not 422.
        refused = client.post(
            "/api/runs", content=b"{not json", headers={"content-type": "application/json"}
        )
        assert refused.status_code == 429
        retry = refused.headers["retry-after"]
        assert 1 <= int(retry) <= 10
        # Said in the language of ?lang= or Accept-Language (the body is not read); Spanish
        # when neither says, as every other answer of the API.
        assert refused.json()["detail"] == say("es", "api.error.too_many_runs", seconds=retry)
        english = client.post("/api/runs?lang=en", json={"scenario": "lock", "lang": "en"})
        assert english.status_code == 429
        assert f"try again in {english.headers['retry-after']} s" in english.json()["detail"]
        spanish = client.post(
            "/api/runs", json={"scenario": "lock"}, headers={"accept-language": "es-ES,es;q=0.9"}
        )
        assert "vuelve a probar dentro de" in spanish.json()["detail"]
        # The form of a scenario's page says it in the page's language, into its slot.
        form = client.post("/scenarios/lock/runs?lang=es", data={}, headers={"HX-Request": "true"})
        assert form.status_code == 429 and form.headers["hx-retarget"] == "#run-error"
        assert "Espera unos segundos" in form.text
        page = client.post("/scenarios/lock/runs?lang=en", data={})
        assert page.status_code == 429 and 'href="/scenarios/lock?lang=en"' in page.text
        # Reading is never limited.
        assert client.get("/api/scenarios").status_code == 200


def test_another_client_is_not_held_back_by_an_abusive_one(tmp_path: Path) -> None:
    # Behind a trusted proxy, each student is the address it forwards.
    with make_client(
        tmp_path, client_burst=1, client_runs_per_minute=1, trusted_proxies="*"
    ) as client:

        def post(address: str) -> int:
            headers = {"X-Forwarded-For": address}
            body = {"scenario": "lock"}
            return client.post("/api/runs", json=body, headers=headers).status_code

        assert post("10.0.0.66") == 201
        assert [post("10.0.0.66") for _ in range(5)] == [429] * 5
        assert post("10.0.0.7") == 201


def test_forwarded_addresses_count_only_from_trusted_proxies(tmp_path: Path) -> None:
    # The test client is not a trusted proxy: its X-Forwarded-For is its own invention.
    with make_client(tmp_path, client_burst=1, client_runs_per_minute=1) as client:
        codes = [
            client.post(
                "/api/runs", json={"scenario": "lock"}, headers={"X-Forwarded-For": f"10.0.0.{k}"}
            ).status_code
            for k in range(3)
        ]
    assert codes == [201, 429, 429]


def test_a_client_that_ignores_retry_after_waits_for_its_refusal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    monkeypatch.setattr(admission.asyncio, "sleep", sleep)
    with make_client(tmp_path, client_burst=1, client_runs_per_minute=1) as client:
        assert client.post("/api/runs", json={"scenario": "lock"}).status_code == 201
        assert client.post("/api/runs", json={"scenario": "lock"}).status_code == 429
        assert pauses == []  # the first refusal is immediate
        assert client.post("/api/runs", json={"scenario": "lock"}).status_code == 429
    assert len(pauses) == 1 and 0 < pauses[0] <= 1


def test_a_full_waiting_line_is_refused_at_the_edge(tmp_path: Path) -> None:
    settings = {"run_workers": 1, "run_queue": 0, "retry_after": 7, "run_cpu": 64}
    with make_client(tmp_path, **settings) as client:
        executor = client.app.state.service.executor  # type: ignore[attr-defined]
        release = threading.Event()
        executor.submit(lambda: release.wait(30))
        try:
            assert executor.saturated()
            refused = client.post("/api/runs", content=b"junk")
            assert refused.status_code == 429 and refused.headers["retry-after"] == "7"
        finally:
            release.set()


def test_a_bucket_takes_back_what_it_gave() -> None:
    clock = Clock()
    buckets = TokenBuckets(per_minute=30, burst=2, clock=clock)
    assert buckets.take("a") == 0 and buckets.take("a") == 0 and buckets.take("a") > 0
    buckets.give("a", 0.75)
    assert buckets.take("a") > 0  # 0.75 is not a whole run
    clock.now += 0.5  # a quarter more
    assert buckets.take("a") == 0
    buckets.give("a", 10)  # never past the burst
    assert [buckets.take("a") for _ in range(3)][:2] == [0, 0] and buckets.take("a") > 0
    buckets.give("nobody", 1)  # a client forgotten since leaves no trace
    assert buckets.take("nobody") == 0


TYPO = {"scenario": "deadlock", "params": {"FOO": 1}}


def test_requests_refused_before_running_do_not_use_up_the_client_s_runs(tmp_path: Path) -> None:
    with make_client(tmp_path, client_burst=2, client_runs_per_minute=1) as client:
        # A student fixing a typo: each answered with its reason, never with 429.
        typos = [client.post("/api/runs", json=TYPO).status_code for _ in range(2)]
        bad_json = client.post(
            "/api/runs", content=b"{not json", headers={"content-type": "application/json"}
        )
        unknown = client.post("/api/schedules", json={"scenario": "nope"})
        assert typos == [422] * 2 and bad_json.status_code == 422 and unknown.status_code == 404
        # Three refused runs (a quarter each) and a step (a tenth, all it costs) leave more
        # than one run: it is served.
        assert client.post("/api/runs", json={"scenario": "lock"}).status_code == 201
        # The run started paid its whole token.
        refused = client.post("/api/runs", json={"scenario": "lock"})
        assert refused.status_code == 429 and "muchas ejecuciones" in refused.json()["detail"]


def test_an_exploration_that_searches_pays_a_whole_run(tmp_path: Path) -> None:
    # The exploration route runs on a worker thread: the executor still finds its request.
    with make_client(tmp_path, client_burst=2, client_runs_per_minute=1) as client:
        search = {"scenario": "lock", "max_schedules": 3}
        assert client.post("/api/explorations", json=search).status_code in (200, 202)
        assert client.post("/api/runs", json={"scenario": "lock"}).status_code == 201
        assert client.post("/api/runs", json={"scenario": "lock"}).status_code == 429


def test_a_flood_of_invalid_requests_is_still_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def sleep(seconds: float) -> None:
        pass

    monkeypatch.setattr(admission.asyncio, "sleep", sleep)
    with make_client(tmp_path, client_burst=2, client_runs_per_minute=1) as client:
        codes = [client.post("/api/runs", json=TYPO).status_code for _ in range(30)]
        # Each refusal keeps a quarter of a token: from two tokens, five are parsed (the
        # fifth starts from 1.0), then each is refused before its body is read.
        assert codes == [422] * 5 + [429] * 25
        assert client.post("/api/runs", json={"scenario": "lock"}).status_code == 429


def test_a_run_refused_because_the_server_is_busy_keeps_the_client_s_token(
    tmp_path: Path,
) -> None:
    settings = {"run_workers": 1, "run_queue": 0, "run_cpu": 64}
    with make_client(tmp_path, client_burst=1, client_runs_per_minute=1, **settings) as client:
        executor = client.app.state.service.executor  # type: ignore[attr-defined]
        release = threading.Event()
        held = executor.submit(lambda: release.wait(30))
        try:
            busy = client.post("/api/runs", json={"scenario": "lock"})
            assert busy.status_code == 429 and busy.json()["detail"] == say("es", "error.busy")
        finally:
            release.set()
        held.result(10)
        assert client.post("/api/runs", json={"scenario": "lock"}).status_code == 201


# -- capacity by CPU -------------------------------------------------------------------------------


class Gauge(CpuGauge):
    def __init__(self) -> None:
        super().__init__()
        self.busy = 0.0

    def cores(self) -> float:
        return self.busy


def test_sleeping_runs_do_not_hold_a_cpu_each() -> None:
    executor = RunExecutor(workers=8, queue=0, cpu=0.8, gauge=Gauge())
    started = [threading.Event() for _ in range(8)]
    release = threading.Event()
    futures = [executor.submit(lambda e=event: (e.set(), release.wait(30))) for event in started]
    try:
        assert all(event.wait(10) for event in started)  # all eight at once
        with pytest.raises(Saturated):
            executor.submit(lambda: None)
    finally:
        release.set()
        for future in futures:
            future.result(10)
        executor.shutdown()


def test_a_run_waits_while_the_cpu_is_busy_and_starts_when_it_frees() -> None:
    gauge = Gauge()
    gauge.busy = 1.5
    executor = RunExecutor(workers=8, queue=2, cpu=0.8, gauge=gauge)
    try:
        first = executor.submit(lambda: "first")
        second = executor.submit(lambda: "second")
        with pytest.raises(Saturated):
            executor.submit(lambda: "third")
        time.sleep(0.1)
        assert not first.done() and executor.load()["waiting"] == 2
        gauge.busy = 0.1
        assert first.result(10) == "first" and second.result(10) == "second"
    finally:
        executor.shutdown()


def test_runs_still_answer_through_run() -> None:
    executor = RunExecutor(workers=2, queue=2, cpu=None)
    answers: list[int] = []
    # In a thread of its own: the test's thread may already have an event loop (browser tests).
    waiter = threading.Thread(target=lambda: answers.append(asyncio.run(executor.run(lambda: 42))))
    try:
        waiter.start()
        waiter.join(10)
        assert answers == [42]
    finally:
        executor.shutdown()


def test_the_gauge_measures_cpu_over_wall_time() -> None:
    wall, cpu = [0.0], [0.0]
    gauge = CpuGauge(wall=lambda: wall[0], cpu=lambda: cpu[0])
    wall[0], cpu[0] = 0.1, 0.05
    assert gauge.cores() == pytest.approx(0.5)
    wall[0], cpu[0] = 1.0, 0.05
    assert gauge.cores() < 0.1  # idle since: the old busy sample has left the window


# -- HEAD and OPTIONS ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/scenarios/lock?lang=en",
        "/healthz",
        "/api/scenarios",
        "/docs",
        "/embed/scenarios/lock",
    ],
)
def test_head_answers_as_get_without_a_body(client: TestClient, path: str) -> None:
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]


def test_head_and_options_of_a_saved_run(client: TestClient) -> None:
    run_id = client.post("/api/runs", json={"scenario": "lock"}).json()["id"]
    for path in (f"/api/runs/{run_id}", f"/runs/{run_id}"):
        head = client.head(path)
        assert head.status_code == 200 and head.content == b""
        assert client.options(path).headers["allow"] == "GET, HEAD, OPTIONS"
    assert client.head("/api/runs/zzzzzzzzzzzz").status_code == 404


def test_options_says_what_an_address_takes(client: TestClient) -> None:
    answer = client.options("/api/runs")
    assert answer.status_code == 204 and answer.headers["allow"] == "OPTIONS, POST"
    assert client.options("/healthz").headers["allow"] == "GET, HEAD, OPTIONS"
    assert client.options("/no/such/page").status_code == 404


# -- pages kept with an ETag -----------------------------------------------------------------------


def test_pages_that_change_with_the_code_are_rendered_once(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[str] = []
    real = Pages.render

    def counting(self: Pages, request: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        rendered.append(name)
        return real(self, request, name, *args, **kwargs)

    monkeypatch.setattr(Pages, "render", counting)
    for path in ("/?lang=en", "/scenarios/lock?lang=en", "/embed/scenarios/lock?lang=en"):
        first = client.get(path)
        again = client.get(path, headers={"Accept-Encoding": "identity"})
        zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert first.status_code == again.status_code == zipped.status_code == 200
        assert first.text == again.text == zipped.text
        etag = first.headers["etag"]
        assert etag == again.headers["etag"]
        assert first.headers["cache-control"] == "public, no-cache"
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.headers["vary"].lower().count("accept-encoding") == 1
        assert "content-security-policy" in again.headers and "x-hilos-page" not in again.headers
        unchanged = client.get(path, headers={"If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.content == b""
    assert len(rendered) == 3
    # The other language and the htmx fragment are pages of their own.
    spanish = client.get("/?lang=es")
    assert spanish.headers["etag"] != client.get("/?lang=en").headers["etag"]
    fragment = client.get("/?lang=en", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and len(rendered) == 5


def test_pages_that_depend_on_the_request_are_not_kept(client: TestClient) -> None:
    choose = client.get("/scenarios/lock?lang=en&mode=choose")
    assert choose.status_code == 200 and "etag" not in choose.headers
    assert client.get("/scenarios/nope?lang=en").status_code == 404
    assert "etag" not in client.get("/scenarios/nope?lang=en").headers


# -- absolute links and proxies --------------------------------------------------------------------


def test_absolute_links_come_from_the_public_url_not_the_host(tmp_path: Path) -> None:
    public = "https://hilos.example.edu/course"
    with make_client(tmp_path, public_url=public + "/") as client:
        forged = {"Host": "evil.example"}
        page = client.get("/scenarios/lock?lang=en", headers=forged).text
        assert "evil.example" not in page
        assert f"{public}/embed/scenarios/lock" in page  # the embed snippet
        assert f"{public}/oembed?" in page
        oembed = client.get(
            "/oembed", params={"url": f"{public}/scenarios/lock"}, headers=forged
        ).json()
        assert f'src="{public}/embed/scenarios/lock' in oembed["html"]
        assert oembed["provider_url"] == public + "/"


def test_a_trusted_proxy_sets_the_scheme(tmp_path: Path) -> None:
    headers = {"X-Forwarded-Proto": "https", "Host": "hilos.example.edu"}
    query = {"url": "https://hilos.example.edu/scenarios/lock"}
    with make_client(tmp_path, trusted_proxies="*") as client:
        trusted = client.get("/oembed", params=query, headers=headers).json()
    assert trusted["html"].startswith('<iframe src="https://hilos.example.edu/embed/')
    with make_client(tmp_path, trusted_proxies="10.0.0.1") as client:
        untrusted = client.get("/oembed", params=query, headers=headers).json()
    assert untrusted["html"].startswith('<iframe src="http://hilos.example.edu/embed/')


def test_only_the_allowed_hosts_are_answered(tmp_path: Path) -> None:
    with make_client(tmp_path, allowed_hosts="hilos.example.edu") as client:
        assert client.get("/healthz", headers={"Host": "hilos.example.edu"}).status_code == 200
        assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400


@pytest.mark.parametrize(
    ("name", "value"),
    [("public_url", "hilos.example.edu"), ("trusted_proxies", "10.0.0.0/8; rm"), ("run_cpu", "0")],
)
def test_bad_edge_settings_are_refused(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings(**{name: value})
