"""`campaign serve`: the review server (DESIGN.md, "CLI" and "Outputs").

Each test starts `make_server` on an ephemeral port in a thread, against a gallery built from a
small hand-made manifest, and shuts it down afterwards. The browser test drives the system
Chromium through Playwright and skips when either is missing.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from campaign.errors import ConfigError, InputError
from campaign.output.folder import MARKER, write_marker
from campaign.output.gallery import write_gallery
from campaign.output.request_checks import json_depth_exceeds
from campaign.output.serve import MAX_BODY, make_server, served_folder

CAMPAIGN = "serve-test"
SHORT = "b1b2c3d4e5f60001"  # shortlisted, passes privacy, has a billboard
PASSED = "b1b2c3d4e5f60002"  # passes privacy, no billboard
FAILED = "b1b2c3d4e5f60003"  # blocked by the privacy gate
SECRET = "not for the web"


def _candidate(cid: str, rank: int, passed: bool, image: bool) -> dict[str, Any]:
    return {
        "id": cid,
        "pack": "event_spike",
        "audience": "cohort",
        "rank": rank,
        "market": "NL",
        "period_start": "2017-12-25",
        "period_end": "2017-12-25",
        "event_id": None,
        "subject_kind": "track",
        "subject_id": "t",
        "subject_name": f"Song {rank}",
        "artist_name": "An artist",
        "measure": "streams",
        "value": 1000 * rank,
        "baseline": 250.0,
        "cohort_size": None if passed else 12,
        "population": None,
        "detail": {},
        "event": None,
        "scores": {
            name: {"value": 0.5, "inputs": {}} for name in ("total", "surprise", "story", "privacy")
        },
        "privacy": {
            "passed": passed,
            "verdict": "pass" if passed else "fail",
            "reasons": [] if passed else ["cohort of 12 listeners is below k_min 50"],
        },
        "copy": {
            "en": {
                "headline": f"Song {rank} was streamed {1000 * rank:,} times.",
                "signoff": "Some days.",
                "emphasis": [[0, 6]],
                "variant": "streamed",
            }
        },
        "images": {"dooh-landscape": {"en": f"billboards/{cid}-dooh-landscape-en.png"}}
        if image
        else {},
        "query": "queries/core/event_spike.sql",
        "params": {},
    }


def make_manifest() -> dict[str, Any]:
    return {
        "campaign": {
            "name": CAMPAIGN,
            "title": "Serve test",
            "year": 2017,
            "locales": ["en"],
            "formats": ["dooh-landscape"],
            "generated_at": "2026-01-02T03:04:05+00:00",
            "tool_version": "0.1.0",
        },
        "privacy": {"k_min": 50},
        "data": {"markets": ["NL"], "first_day": "2017-01-01", "last_day": "2017-12-31"},
        "packs": [
            {"name": "event_spike", "title": "Spikes", "rows": 3, "kept": 3, "skipped": None}
        ],
        "candidates": [
            _candidate(SHORT, 1, passed=True, image=True),
            _candidate(PASSED, 2, passed=True, image=False),
            _candidate(FAILED, 3, passed=False, image=False),
        ],
    }


def build(out: Path) -> Path:
    """A campaign output folder: billboard, manifest.json, index.html; a secret beside it."""
    manifest = make_manifest()
    png = out / f"billboards/{SHORT}-dooh-landscape-en.png"
    png.parent.mkdir(parents=True)
    Image.new("RGB", (64, 36), "#4100f4").save(png)
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    write_gallery(out, manifest, [])
    write_marker(out, "run")
    (out.parent / "secret.txt").write_text(SECRET, encoding="utf-8")
    (out / ".hidden").write_text(SECRET, encoding="utf-8")
    return out


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return build(tmp_path / "output")


@contextmanager
def running(out: Path, **limits: float) -> Iterator[int]:
    """A review server on a free port (with the given time limits), stopped afterwards."""
    server = make_server(out, 0)
    for name, value in limits.items():
        setattr(server, name, value)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def port(out: Path) -> Iterator[int]:
    with running(out) as number:
        yield number


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | str | dict | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One raw request (the path is sent exactly as given), its status, headers and body."""
    if isinstance(body, dict):
        body = json.dumps(body)
    if isinstance(body, str):
        body = body.encode("utf-8")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def put(port: int, fact_id: str, body: Any, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
    status, _, raw = request(port, "PUT", f"/api/review/{fact_id}", body, headers, **kwargs)
    return status, json.loads(raw)


def on_disk(out: Path) -> dict[str, Any]:
    return json.loads((out / "review.json").read_text(encoding="utf-8"))


# --- files -------------------------------------------------------------------------------------


def test_serves_the_folders_files(out: Path, port: int) -> None:
    for path in ("/", "/index.html"):
        status, headers, body = request(port, "GET", path)
        assert status == 200
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert body == (out / "index.html").read_bytes()
    status, headers, body = request(port, "GET", f"/billboards/{SHORT}-dooh-landscape-en.png")
    assert (status, headers["Content-Type"]) == (200, "image/png")
    assert body.startswith(b"\x89PNG") and int(headers["Content-Length"]) == len(body)
    status, headers, body = request(port, "GET", "/manifest.json?x=1")
    assert status == 200 and json.loads(body)["campaign"]["name"] == CAMPAIGN
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, body = request(port, "HEAD", "/manifest.json")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0
    assert request(port, "GET", "/review.json")[0] == 404  # nobody has reviewed yet
    put(port, SHORT, {"decision": "approved", "note": ""})
    status, _, body = request(port, "GET", "/review.json")
    assert status == 200 and SHORT in json.loads(body)["decisions"]
    # Names with spaces and other escapes work.
    (out / "billboards" / "a b.png").write_bytes(b"x")
    assert request(port, "GET", "/billboards/a%20b.png")[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/billboards/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/billboards/..%2f..%2fsecret.txt",
        "/billboards/%2e%2e/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "/%252e%252e/secret.txt",
        "/.%2e/secret.txt",
        "//etc/passwd",
        "/%2fetc/passwd",
        "/billboards/%00.png",
        "/%ff%fe.png",
        "/./index.html",
        "/.hidden",
        "/billboards/",
        "/billboards",
        "/nothing.html",
        "/link-out/secret.txt",
        "/link-file.txt",
    ],
)
def test_nothing_outside_the_folder_and_no_listings(out: Path, port: int, path: str) -> None:
    (out / "link-out").symlink_to(out.parent, target_is_directory=True)
    (out / "link-file.txt").symlink_to(out.parent / "secret.txt")
    status, _, body = request(port, "GET", path)
    assert status in (403, 404)
    assert SECRET.encode() not in body and b"root:" not in body
    assert b"Directory listing" not in body and SHORT.encode() not in body


def test_other_hosts_and_sites_are_refused(out: Path, port: int) -> None:
    # A DNS-rebinding page reaches 127.0.0.1 under its own name: refused.
    assert request(port, "GET", "/index.html", headers={"Host": "evil.example"})[0] == 403
    assert request(port, "GET", "/api/review", headers={"Host": "evil.example:80"})[0] == 403
    assert request(port, "GET", "/index.html", headers={"Host": f"localhost:{port}"})[0] == 200
    # A decision sent from another site's page is refused.
    status, answer = put(
        port, SHORT, {"decision": "approved"}, headers={"Origin": "http://evil.example"}
    )
    assert status == 403 and "other sites" in answer["error"]
    assert not (out / "review.json").exists()
    origin = {"Origin": f"http://127.0.0.1:{port}"}
    assert put(port, SHORT, {"decision": "approved"}, headers=origin)[0] == 200


def test_other_methods_are_refused(port: int) -> None:
    for method in ("POST", "DELETE", "PATCH", "OPTIONS"):
        status, headers, _ = request(port, method, "/api/review/" + SHORT, b"{}")
        assert status == 405 and "PUT" in headers["Allow"]
    assert request(port, "PUT", "/index.html", b"{}")[0] == 405
    assert request(port, "GET", "/api/review/" + SHORT)[0] == 405


def test_requires_an_output_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no manifest\.json") as info:
        make_server(tmp_path, 0)
    assert str(tmp_path) in str(info.value)
    with pytest.raises(InputError, match=r"no manifest\.json"):
        make_server(tmp_path / "missing", 0)


def test_a_busy_port_is_one_sentence(out: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(ConfigError, match="already in use"):
            make_server(out, taken.getsockname()[1])


def test_writes_the_review_file_of_the_outputs() -> None:
    from campaign.output import folder, serve

    assert serve.REVIEW_FILE == folder.REVIEW_FILE


def test_binds_to_loopback_only(out: Path) -> None:
    server = make_server(out, 0)
    try:
        assert server.server_address[0] == "127.0.0.1"
    finally:
        server.server_close()


# --- the review API ----------------------------------------------------------------------------


def test_get_review_when_nobody_has_reviewed(port: int) -> None:
    status, headers, body = request(port, "GET", "/api/review")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert json.loads(body) == {"campaign": CAMPAIGN, "decisions": {}, "log": []}


def test_put_approve_writes_review_json(out: Path, port: int) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    status, answer = put(port, SHORT, {"decision": "approved", "note": "Lead visual ✓"})
    assert status == 200
    review = on_disk(out)
    assert review["campaign"] == CAMPAIGN
    entry = review["decisions"][SHORT]
    assert set(entry) == {"decision", "note", "time", "reviewer"}
    assert (entry["decision"], entry["note"]) == ("approved", "Lead visual ✓")
    time = datetime.fromisoformat(entry["time"].replace("Z", "+00:00"))
    assert before <= time <= datetime.now(UTC) + timedelta(seconds=1)  # the server's UTC time
    assert answer == {"id": SHORT, "saved": entry}
    # GET /api/review answers what is on disk; other decisions are kept beside new ones.
    put(port, PASSED, {"decision": "rejected", "note": ""})
    review = on_disk(out)
    assert set(review["decisions"]) == {SHORT, PASSED}
    assert json.loads(request(port, "GET", "/api/review")[2]) == review
    # No write-aside file is left behind.
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".review")) == []


def test_decisions_of_an_earlier_run_are_kept(out: Path, port: int) -> None:
    old = {"decision": "approved", "note": "from last run", "time": "2026-01-01T00:00:00Z"}
    (out / "review.json").write_text(
        json.dumps({"campaign": CAMPAIGN, "decisions": {"0000000000000000": old}}),
        encoding="utf-8",
    )
    assert put(port, SHORT, {"decision": "rejected"})[0] == 200
    decisions = on_disk(out)["decisions"]
    assert decisions["0000000000000000"] == old
    assert decisions[SHORT]["decision"] == "rejected" and decisions[SHORT]["note"] == ""


def test_approving_a_privacy_failed_candidate_is_refused(out: Path, port: int) -> None:
    status, answer = put(port, FAILED, {"decision": "approved", "note": ""})
    assert status == 409 and "privacy" in answer["error"]
    assert not (out / "review.json").exists()
    put(port, SHORT, {"decision": "approved", "note": ""})
    before = (out / "review.json").read_bytes()
    assert put(port, FAILED, {"decision": "approved", "note": ""})[0] == 409
    assert (out / "review.json").read_bytes() == before
    # Rejecting it is fine.
    assert put(port, FAILED, {"decision": "rejected", "note": "too small"})[0] == 200
    assert on_disk(out)["decisions"][FAILED]["decision"] == "rejected"


def test_null_clears_a_decision(out: Path, port: int) -> None:
    put(port, SHORT, {"decision": "approved", "note": "x"})
    put(port, PASSED, {"decision": "rejected", "note": ""})
    status, answer = put(port, SHORT, {"decision": None, "note": ""})
    assert status == 200 and answer == {"id": SHORT, "saved": None}
    assert set(on_disk(out)["decisions"]) == {PASSED}
    assert put(port, SHORT, {"decision": None})[0] == 200  # clearing twice is harmless


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        ("", "not valid JSON"),
        ("[]", "JSON object"),
        ('"approved"', "JSON object"),
        ({"note": "no decision"}, "JSON object"),
        ({"decision": "maybe"}, "approved"),
        ({"decision": "APPROVED"}, "approved"),
        ({"decision": 1}, "approved"),
        ({"decision": "approved", "note": 3}, "note"),
        ({"decision": "approved", "time": "2020-01-01T00:00:00Z"}, "unknown field 'time'"),
    ],
)
def test_malformed_bodies_are_400(out: Path, port: int, body: Any, message: str) -> None:
    status, answer = put(port, SHORT, body)
    assert status == 400 and message in answer["error"]
    assert not (out / "review.json").exists()


def test_unknown_ids_are_404(out: Path, port: int) -> None:
    for fact_id in ("0000000000000000", "..%2Fmanifest.json", "", SHORT + "/x"):
        status, answer = put(port, fact_id, {"decision": "rejected", "note": ""})
        assert status == 404 and "manifest.json" in answer["error"]
    assert not (out / "review.json").exists()


def test_bodies_are_size_limited(out: Path, port: int) -> None:
    big = json.dumps({"decision": "approved", "note": "x" * MAX_BODY})
    status, answer = put(port, SHORT, big)
    assert status == 413 and "KiB" in answer["error"]
    status, _, _ = request(
        port, "PUT", f"/api/review/{SHORT}", None, {"Content-Length": str(10**12)}
    )
    assert status == 413
    assert not (out / "review.json").exists()
    status, answer = put(port, SHORT, {"decision": "approved", "note": "x" * 60_000})
    assert status == 200  # a long note under the limit is fine


def test_an_unreadable_review_json_is_not_overwritten(out: Path, port: int) -> None:
    (out / "review.json").write_text("{broken", encoding="utf-8")
    status, answer = put(port, SHORT, {"decision": "approved", "note": ""})
    assert status == 500 and "review.json" in answer["error"]
    assert (out / "review.json").read_text(encoding="utf-8") == "{broken"
    assert request(port, "GET", "/api/review")[0] == 500


def test_a_rebuilt_manifest_is_picked_up(out: Path, port: int) -> None:
    manifest = make_manifest()
    manifest["candidates"][0]["privacy"] = {"passed": False, "verdict": "fail", "reasons": ["x"]}
    manifest["candidates"].append(_candidate("b1b2c3d4e5f60009", 9, passed=True, image=False))
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    assert put(port, SHORT, {"decision": "approved", "note": ""})[0] == 409
    assert put(port, "b1b2c3d4e5f60009", {"decision": "approved", "note": ""})[0] == 200


def test_concurrent_decisions_are_all_kept(out: Path, port: int) -> None:
    ids = [SHORT, PASSED, FAILED] * 10
    results: list[int] = []

    def worker(i: int, fact_id: str) -> None:
        results.append(put(port, fact_id, {"decision": "rejected", "note": str(i)})[0])

    threads = [threading.Thread(target=worker, args=(i, f)) for i, f in enumerate(ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == [200] * len(ids)
    assert set(on_disk(out)["decisions"]) == {SHORT, PASSED, FAILED}


# --- in Chromium -------------------------------------------------------------------------------


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1600})
    # Loopback only: anything not for the review server is refused.
    ctx.route(lambda url: not url.startswith("http://127.0.0.1:"), lambda route: route.abort())
    yield ctx
    ctx.close()


class Gallery:
    def __init__(self, context, port: int):
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.url = f"http://127.0.0.1:{port}/index.html"
        self.open()

    def open(self) -> None:
        self.page.goto(self.url)
        self.wait_state("ready")

    def wait_state(self, state: str) -> None:
        self.page.wait_for_selector(f'#saved[data-state="{state}"]', timeout=10_000)

    def card(self, cid: str):
        return self.page.locator(f'.card[data-id="{cid}"]')

    def classes(self, cid: str) -> str:
        return self.card(cid).get_attribute("class") or ""


@pytest.mark.browser
def test_gallery_saves_to_the_server(context, out: Path, port: int) -> None:
    g = Gallery(context, port)
    assert g.page.is_visible("#saved") and g.page.is_hidden("#pending")
    g.card(SHORT).locator('[data-decision="approved"]').click()
    g.wait_state("saved")
    assert "Saved" in (g.page.text_content("#saved") or "")
    decision = on_disk(out)["decisions"][SHORT]
    assert decision["decision"] == "approved" and decision["note"] == ""

    # Notes are sent once typing pauses.
    g.card(SHORT).locator(".note").fill("Lead visual for December")
    g.wait_state("saved")
    assert on_disk(out)["decisions"][SHORT]["note"] == "Lead visual for December"

    # Reloading, and a fresh browser with no local storage, both show what the server holds.
    g.page.reload()
    g.wait_state("ready")
    assert "approved" in g.classes(SHORT)
    assert g.page.text_content("#n-approved") == "1"
    assert g.card(SHORT).locator(".note").input_value() == "Lead visual for December"
    g.page.evaluate("localStorage.clear()")
    g.open()
    assert "approved" in g.classes(SHORT)

    # A decision made elsewhere (another reviewer) shows on the next load.
    put(port, PASSED, {"decision": "rejected", "note": "off brief"})
    g.open()
    assert "rejected" in g.classes(PASSED)
    assert g.card(PASSED).locator(".note").input_value() == "off brief"

    # Clicking the active decision again clears it on the server.
    g.card(SHORT).locator('[data-decision="approved"]').click()
    g.wait_state("saved")
    assert SHORT not in on_disk(out)["decisions"]
    assert g.page.text_content("#n-approved") == "0"
    assert g.errors == []


@pytest.mark.browser
def test_a_failed_save_is_shown_and_can_be_retried(context, out: Path, port: int) -> None:
    g = Gallery(context, port)
    refuse = {"on": True}

    def handle(route) -> None:
        if refuse["on"]:
            route.fulfill(
                status=500,
                content_type="application/json",
                body=json.dumps({"error": "disk full"}),
            )
        else:
            route.continue_()

    g.page.route("**/api/review/*", handle)
    g.card(SHORT).locator('[data-decision="approved"]').click()
    g.wait_state("error")
    assert "disk full" in (g.page.text_content("#saved") or "")
    assert "unsaved" in g.classes(SHORT) and "not saved" in (
        g.card(SHORT).locator(".status").text_content() or ""
    )
    assert not (out / "review.json").exists()
    assert g.page.is_visible("#retry")

    refuse["on"] = False
    g.page.click("#retry")
    g.wait_state("saved")
    assert "unsaved" not in g.classes(SHORT)
    assert g.page.is_hidden("#retry")
    assert on_disk(out)["decisions"][SHORT]["decision"] == "approved"


@pytest.mark.browser
def test_a_stopped_server_is_a_clear_error(browser, out: Path) -> None:
    server = make_server(out, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ctx = browser.new_context()
    try:
        g = Gallery(ctx, server.server_address[1])
        server.shutdown()
        server.server_close()
        g.card(SHORT).locator('[data-decision="rejected"]').click()
        g.wait_state("error")
        assert "cannot reach the review server" in (g.page.text_content("#saved") or "")
        assert "rejected" in g.classes(SHORT)  # the decision stays on screen, to retry or download
    finally:
        ctx.close()
        server.shutdown()
        server.server_close()
        thread.join(5)


# --- odd requests (issue 8, defect 6), sent on raw sockets ---------------------------------------


def raw(port: int, data: bytes, wait: float = 10.0) -> tuple[bytes, float]:
    """Send `data` as is, read until the server closes; the answer and the seconds it took."""
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks), time.monotonic() - start


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_a_body_of_nested_brackets_is_400_not_a_crash(out: Path, port: int) -> None:
    for body in ("[" * MAX_BODY, '{"decision": ' + "[" * 5000 + "]" * 5000 + "}", "{" * 9):
        status, answer = put(port, SHORT, body)
        assert status == 400 and "nested" in answer["error"]
    note = "[{" * 2000  # brackets inside a string are text, not nesting
    assert put(port, SHORT, {"decision": "approved", "note": note})[0] == 200
    assert on_disk(out)["decisions"][SHORT]["note"] == note


@pytest.fixture
def quick_server(out: Path) -> Iterator[int]:
    with running(out, request_timeout=1.0, request_deadline=2.0) as number:
        yield number


def test_a_half_sent_request_is_dropped(out: Path, quick_server: int) -> None:
    port = quick_server
    host = f"Host: 127.0.0.1:{port}\r\n".encode()
    half_headers = b"GET /index.html HTTP/1.1\r\n" + host
    half_body = b"PUT /api/review/" + SHORT.encode() + b" HTTP/1.1\r\n" + host
    half_body += b"Content-Length: 100\r\n\r\n" + b'{"decision": '
    for data in (b"GE", half_headers, half_body):
        answer, took = raw(port, data)
        assert took < 5 and b"200" not in answer  # dropped after the timeout, never served
    assert not (out / "review.json").exists()
    answer, _ = raw(port, b"GET /index.html HTTP/1.0\r\n" + host + b"\r\n")
    assert status_of(answer) == 200  # and the server still answers


def test_a_request_trickled_in_a_byte_at_a_time_is_cut_off(quick_server: int) -> None:
    port = quick_server
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        request = b"GET /index.html HTTP/1.0\r\nX-Slow: " + b"a" * 100
        with contextlib.suppress(OSError):  # the server hangs up, mid-send
            for byte in request:
                sock.sendall(bytes([byte]))
                time.sleep(0.5)  # under the 1 s silence timeout, so only the deadline stops it
        sock.settimeout(5)
        with contextlib.suppress(OSError):
            assert b"200" not in sock.recv(65536)
    assert time.monotonic() - start < 6


@pytest.mark.parametrize(
    "host",
    [
        "evil.com@127.0.0.1:{port}",
        "127.0.0.1:{port}@evil.com",
        "127.0.0.1:{port}.evil.com",
        "127.0.0.1:{port}:80",
        "127.0.0.1",
        "localhost",
        "127.0.0.1:{other}",
        "127.1:{port}",
        "0.0.0.0:{port}",
        "127.0.0.1:{port}#",
    ],
)
def test_a_host_that_is_not_exactly_this_server_is_refused(port: int, host: str) -> None:
    header = host.format(port=port, other=port + 1)
    answer, _ = raw(port, f"GET /index.html HTTP/1.0\r\nHost: {header}\r\n\r\n".encode())
    assert status_of(answer) in (400, 403) and b"not for the web" not in answer


def test_exact_local_hosts_only_and_one_of_them(port: int) -> None:
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"LOCALHOST:{port}"):
        answer, _ = raw(port, f"GET /index.html HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
        assert status_of(answer) == 200, host
    assert status_of(raw(port, b"GET /index.html HTTP/1.0\r\n\r\n")[0]) == 400
    twice = f"GET / HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nHost: evil.com\r\n\r\n"
    assert status_of(raw(port, twice.encode())[0]) == 400


def test_writes_from_any_other_origin_are_refused(out: Path, port: int) -> None:
    for headers in (
        {"Origin": "null"},
        {"Origin": f"http://127.0.0.1:{port}.evil.com"},
        {"Origin": f"http://localhost:{port + 1}"},
        {"Origin": f"https://127.0.0.1:{port}"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ):
        status, answer = put(port, SHORT, {"decision": "rejected"}, headers=headers)
        assert status == 403 and "other sites" in answer["error"], headers
    assert not (out / "review.json").exists()
    same = {"Origin": f"http://localhost:{port}", "Host": f"localhost:{port}"}
    assert put(port, SHORT, {"decision": "rejected"}, headers=same)[0] == 200


def test_serves_a_campaign_toml_or_its_marked_output_folder(tmp_path: Path) -> None:
    out = build(tmp_path / "output" / "spring")
    toml = tmp_path / "campaign.toml"
    toml.write_text('[campaign]\nname = "spring"\nyear = 2024\n', encoding="utf-8")
    assert served_folder(toml) == served_folder(out) == out
    (out / MARKER).unlink()
    with pytest.raises(InputError, match="was not made by `campaign run`"):
        make_server(out, 0)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab'),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=20,
)


def nesting(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((nesting(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((nesting(v) for v in value.values()), default=0)
    return 0


@given(JSON_VALUES, st.integers(min_value=0, max_value=6))
def test_json_depth_is_counted_as_the_parser_would(value: Any, limit: int) -> None:
    assert json_depth_exceeds(json.dumps(value), limit) == (nesting(value) > limit)
