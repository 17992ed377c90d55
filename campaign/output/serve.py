"""`campaign serve`: a small review server for one campaign output folder, on 127.0.0.1 only.

It serves the folder's files (the gallery, billboards, manifest, review.json) and a tiny API that
the gallery uses when it is opened from here instead of from disk:

    GET  /api/review           review.json: {"campaign": name, "decisions": {id: {...}}}
    PUT  /api/review/<fact id> {"decision": "approved" | "rejected" | null, "note": str,
                                "reviewer": str}  (who decided; logged in review.json "log")

A PUT records (or, for null, clears) one decision with the server's UTC time and rewrites
review.json atomically (written aside, then swapped in) under a lock. The fact id must be in
manifest.json, and a candidate that failed the privacy gate cannot be approved (409).

Only the standard library is used. Nothing outside the folder is served (no `..`, no symbolic
links leading out, no hidden files, no directory listings). A request's Host header must be exactly
this server (127.0.0.1, localhost or [::1] with its port: against DNS rebinding), a PUT from another
origin is refused, a body is at most MAX_BODY bytes and MAX_JSON_DEPTH levels deep, and a client
that stops sending (or reading) for REQUEST_TIMEOUT seconds, or has not sent its whole request
within REQUEST_DEADLINE seconds, is dropped.

The folder served is one that `campaign run` made: it carries the run's marker and a manifest.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import socket
import stat
import sys
import tempfile
import threading
import webbrowser
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from campaign.errors import ConfigError, InputError
from campaign.output.folder import MARKER, RUN_FOLDER, marker_kind
from campaign.output.manifest import MANIFEST_FILE, ManifestWatch, output_dir
from campaign.output.request_checks import (
    RequestError,
    check_host_and_origin,
    local_hosts,
    parse_decision,
)
from campaign.output.review import REVIEW_FILE, load_decisions, read_review, record_decision

HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MAX_BODY = 64 * 1024  # bytes of a PUT body
DRAIN_LIMIT = 1024 * 1024  # a larger body than this is not even read before refusing it
REQUEST_TIMEOUT = 5.0  # seconds a connection may stay silent (half-sent requests, stalled reads)
REQUEST_DEADLINE = 15.0  # seconds to send a whole request, however slowly it trickles in
API_REVIEW = "/api/review"

_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".pdf": "application/pdf",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def utc_now() -> str:
    """The server's time as the gallery writes it: 2026-01-02T10:00:00.000Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ReviewServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer bound to 127.0.0.1 that serves one campaign output folder."""

    daemon_threads = True  # an open connection never keeps the process alive at Ctrl-C
    request_queue_size = 64  # a gallery asks for many billboards at once

    def __init__(self, out_dir: Path, port: int):
        self.out_dir = out_dir.resolve()
        self.lock = threading.Lock()  # one review.json read-modify-write at a time
        self.manifest = ManifestWatch(self.out_dir)
        self.manifest.refresh()
        self.log_requests = False
        self.request_timeout = REQUEST_TIMEOUT
        self.request_deadline = REQUEST_DEADLINE
        super().__init__((HOST, port), ReviewHandler)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    @property
    def hosts(self) -> frozenset[str]:
        """The Host headers this server answers: its loopback names with its port, exactly."""
        return local_hosts(self.port)

    # --- review.json ---------------------------------------------------------------------------

    def read_review(self) -> dict[str, Any]:
        """review.json as it is on disk ({} when there is none); refuses one it cannot read."""
        try:
            return read_review(self.out_dir)
        except InputError as exc:
            raise RequestError(
                HTTPStatus.INTERNAL_SERVER_ERROR, f"{exc.describe()}; nothing was saved"
            ) from None

    def review(self) -> dict[str, Any]:
        """What GET /api/review answers: the campaign, every well-formed decision, the log."""
        self.manifest.refresh()
        log = self.read_review().get("log")  # refuses an unreadable file with the server's error
        return {
            "campaign": self.manifest.name,
            "decisions": {
                fact_id: {
                    "decision": v["decision"],
                    "note": v.get("note") if isinstance(v.get("note"), str) else "",
                    "time": v.get("time"),
                    "reviewer": v.get("reviewer") if isinstance(v.get("reviewer"), str) else "",
                }
                for fact_id, v in sorted(load_decisions(self.out_dir).items())
            },
            "log": log if isinstance(log, list) else [],
        }

    def record(
        self, fact_id: str, decision: str | None, note: str, reviewer: str = ""
    ) -> dict[str, Any] | None:
        """Record (or clear, for None) one decision; returns the entry written."""
        self.manifest.refresh()
        if fact_id not in self.manifest.passed:
            raise RequestError(
                HTTPStatus.NOT_FOUND, f"no candidate with id '{fact_id}' in manifest.json"
            )
        if decision == "approved" and not self.manifest.passed[fact_id]:
            raise RequestError(
                HTTPStatus.CONFLICT,
                f"candidate {fact_id} failed the privacy gate and cannot be approved",
            )
        with self.lock:
            review = self.read_review()
            entry = record_decision(review, fact_id, decision, note, reviewer, utc_now())
            review["campaign"] = self.manifest.name
            self._write_review(review)
        return entry

    def _write_review(self, review: dict[str, Any]) -> None:
        path = self.out_dir / REVIEW_FILE
        text = json.dumps(review, indent=2, ensure_ascii=False) + "\n"
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except OSError:
            mode = 0o644
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{REVIEW_FILE}.", suffix=".tmp", dir=self.out_dir)
        except OSError as exc:
            raise RequestError(
                HTTPStatus.INTERNAL_SERVER_ERROR, f"cannot write {REVIEW_FILE}: {exc.strerror}"
            ) from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise RequestError(
                HTTPStatus.INTERNAL_SERVER_ERROR, f"cannot write {REVIEW_FILE}: {exc.strerror}"
            ) from None

    # --- static files --------------------------------------------------------------------------

    def static_file(self, url_path: str) -> Path:
        """The regular file inside the folder that a URL path names, or a 404."""
        not_found = RequestError(HTTPStatus.NOT_FOUND, "not found")
        try:
            rel = unquote(url_path, errors="strict")
        except UnicodeDecodeError:
            raise not_found from None
        if rel in ("", "/"):
            rel = "/index.html"
        if "\x00" in rel or "\\" in rel or not rel.startswith("/"):
            raise not_found
        parts = rel[1:].split("/")
        # No empty, '.', '..' or hidden segment: no traversal, no absolute joins, no dotfiles
        # (the server's own write-aside files start with a dot), no directories.
        if any(not part or part.startswith(".") for part in parts):
            raise not_found
        try:
            target = self.out_dir.joinpath(*parts).resolve(strict=True)
        except (OSError, RuntimeError, ValueError):
            raise not_found from None
        if not target.is_relative_to(self.out_dir) or not target.is_file():
            raise not_found
        return target


class ReviewHandler(BaseHTTPRequestHandler):
    server: ReviewServer
    server_version = "campaign-review"
    sys_version = ""

    # --- plumbing ------------------------------------------------------------------------------

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self._common_headers()
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _common_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")

    def _json(self, status: HTTPStatus, value: Any, extra: dict[str, str] | None = None) -> None:
        body = (json.dumps(value, ensure_ascii=False) + "\n").encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8", extra)

    def _error(self, exc: RequestError, extra: dict[str, str] | None = None) -> None:
        self._json(exc.status, {"error": exc.message}, extra)

    def setup(self) -> None:
        self.timeout = self.server.request_timeout  # StreamRequestHandler sets it on the socket
        super().setup()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Decisions and failures only: a line per billboard would bury them.
        status = code.value if isinstance(code, HTTPStatus) else code
        failed = isinstance(status, int) and status >= 400
        if self.server.log_requests and (self.command == "PUT" or failed):
            super().log_request(code, size)

    def log_error(self, format: str, *args: Any) -> None:
        if self.server.log_requests:
            super().log_error(format, *args)

    def handle_one_request(self) -> None:
        # The socket timeout bounds each silence; the watchdog bounds the whole request, so a
        # client trickling a byte at a time cannot hold a thread (it is cut off, not answered).
        self._watchdog = threading.Timer(self.server.request_deadline, self._drop)
        self._watchdog.daemon = True
        self._watchdog.start()
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the browser went away mid-answer
        finally:
            self._watchdog.cancel()

    def _drop(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _request_read(self) -> None:
        """The whole request is in: answering it is not bound by the request deadline."""
        self._watchdog.cancel()

    # --- methods -------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._request_read()  # a GET has no body
        try:
            check_host_and_origin(self.headers, self.command, self.server.hosts, self.server.url)
            path = urlsplit(self.path).path
            if path in (API_REVIEW, API_REVIEW + "/"):
                self._json(HTTPStatus.OK, self.server.review())
                return
            if path.startswith(API_REVIEW + "/"):
                raise RequestError(HTTPStatus.METHOD_NOT_ALLOWED, "use PUT to record a decision")
            self._file(self.server.static_file(path))
        except RequestError as exc:
            extra = {"Allow": "PUT"} if exc.status == HTTPStatus.METHOD_NOT_ALLOWED else None
            self._error(exc, extra)
        except InputError as exc:
            self._error(RequestError(HTTPStatus.INTERNAL_SERVER_ERROR, exc.describe()))

    do_HEAD = do_GET

    def do_PUT(self) -> None:
        try:
            # The body is read first, so that a refusal is never cut short by unread data.
            raw = self._body()
            check_host_and_origin(self.headers, self.command, self.server.hosts, self.server.url)
            path = urlsplit(self.path).path
            prefix = API_REVIEW + "/"
            if not path.startswith(prefix):
                raise RequestError(HTTPStatus.METHOD_NOT_ALLOWED, "only decisions can be saved")
            fact_id = unquote(path[len(prefix) :])
            decision, note, reviewer = parse_decision(raw)
            entry = self.server.record(fact_id, decision, note, reviewer)
            self._json(HTTPStatus.OK, {"id": fact_id, "saved": entry})
        except RequestError as exc:
            extra = {"Allow": "GET, HEAD"} if exc.status == HTTPStatus.METHOD_NOT_ALLOWED else None
            self._error(exc, extra)
        except InputError as exc:
            self._error(RequestError(HTTPStatus.INTERNAL_SERVER_ERROR, exc.describe()))

    def _not_allowed(self) -> None:
        with contextlib.suppress(RequestError):
            self._body()
        self._error(
            RequestError(HTTPStatus.METHOD_NOT_ALLOWED, f"{self.command} is not supported"),
            {"Allow": "GET, HEAD, PUT"},
        )

    do_POST = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed

    # --- helpers -------------------------------------------------------------------------------

    def _body(self) -> bytes:
        """The request body, at most MAX_BODY bytes; a larger one is drained or cut off."""
        self.close_connection = True  # HTTP/1.0: one request per connection, whatever happens
        try:
            return self._read_body()
        finally:
            self._request_read()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise RequestError(HTTPStatus.LENGTH_REQUIRED, "send the body with a Content-Length")
        length_text = self.headers.get("Content-Length", "0")
        try:
            length = int(length_text)
        except ValueError:
            length = -1
        if length < 0:
            raise RequestError(HTTPStatus.BAD_REQUEST, "the Content-Length is not a number")
        if length > MAX_BODY:
            if length <= DRAIN_LIMIT:  # read and drop it, so the client gets the answer
                while length > 0:
                    chunk = self.rfile.read(min(MAX_BODY, length))
                    if not chunk:
                        break
                    length -= len(chunk)
            raise RequestError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the request body is larger than {MAX_BODY // 1024} KiB",
            )
        return self.rfile.read(length)

    def _file(self, path: Path) -> None:
        content_type = _CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")
        try:
            f = path.open("rb")
        except OSError:
            raise RequestError(HTTPStatus.NOT_FOUND, "not found") from None
        with f:
            size = os.fstat(f.fileno()).st_size
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(size))
            self._common_headers()
            self.end_headers()
            if self.command != "HEAD":
                shutil.copyfileobj(f, self.wfile)


def served_folder(path: Path) -> Path:
    """The output folder to serve, from a campaign.toml or the folder itself.

    The folder must be one `campaign run` made: its marker, its manifest and its gallery.
    """
    out_dir = output_dir(Path(path))
    if marker_kind(out_dir) not in (RUN_FOLDER, ""):
        raise InputError(
            f"was not made by `campaign run` (it has no {MARKER}); run the campaign again", out_dir
        )
    for name in (MANIFEST_FILE, "index.html"):
        if not (out_dir / name).is_file():
            raise InputError(
                f"is not a campaign output folder (it has no {name}; run `campaign run` first)",
                out_dir,
            )
    return out_dir


def make_server(path: Path, port: int = DEFAULT_PORT) -> ThreadingHTTPServer:
    """A review server on 127.0.0.1:`port` (0 = any free port), not yet serving.

    `path` is a campaign.toml or its output folder. Call `serve_forever()` on the server (in a
    thread if need be), then `shutdown()` and `server_close()`; `server.server_address[1]` is the
    port it listens on.
    """
    out_dir = served_folder(path)
    if not 0 <= port <= 65535:
        raise ConfigError(f"port {port} is not between 0 and 65535")
    try:
        return ReviewServer(out_dir, port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"port {port} on {HOST} is already in use; choose another port"
            ) from None
        raise ConfigError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}") from None


def serve(path: Path, port: int = DEFAULT_PORT, open_browser: bool = False) -> None:
    """Serve a campaign's review gallery on 127.0.0.1 until Ctrl-C, then shut down cleanly.

    `path` is the campaign.toml or its output folder.
    """
    server = make_server(path, port)
    assert isinstance(server, ReviewServer)
    server.log_requests = True
    url = server.url + "index.html"
    print(f"Reviewing {server.out_dir} at {url}")
    print(f"Decisions are saved in {server.out_dir / REVIEW_FILE}; press Ctrl-C to stop.")
    sys.stdout.flush()
    try:
        if open_browser:
            webbrowser.open(url)
        server.serve_forever()
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr, flush=True)
    finally:
        server.server_close()
