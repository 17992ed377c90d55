"""What `campaign serve` checks in a request before acting on it: host, origin, body.

Kept apart from the server so each check is a plain function that a test can call on its own.
"""

from __future__ import annotations

import json
from email.message import Message
from http import HTTPStatus

from campaign.output.review import DECISIONS

MAX_JSON_DEPTH = 8  # a decision is one flat object; deeper nesting is refused before parsing
LOCAL_NAMES = ("127.0.0.1", "localhost", "[::1]")


class RequestError(Exception):
    """A request the server refuses: an HTTP status and one sentence for the reviewer."""

    def __init__(self, status: HTTPStatus, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def local_hosts(port: int) -> frozenset[str]:
    """The Host headers a server on this port answers: its loopback names with the port."""
    return frozenset(f"{name}:{port}" for name in LOCAL_NAMES)


def check_host_and_origin(headers: Message, command: str, hosts: frozenset[str], url: str) -> None:
    """Refuse requests for another host (a DNS-rebinding page) and writes from other origins.

    The Host header is compared whole, not parsed: `evil.example@127.0.0.1:PORT` or
    `127.0.0.1:PORT.evil.example` name another host to a browser, and are refused.
    """
    sent = headers.get_all("Host") or []
    if len(sent) != 1:
        raise RequestError(HTTPStatus.BAD_REQUEST, "send exactly one Host header")
    if sent[0].lower() not in hosts:
        raise RequestError(HTTPStatus.FORBIDDEN, f"this review server answers only {url}")
    if command in ("GET", "HEAD"):
        return
    origins = headers.get_all("Origin") or []
    foreign = any(o.lower() not in {f"http://{h}" for h in hosts} for o in origins)
    fetch_site = headers.get("Sec-Fetch-Site", "same-origin").lower()
    if foreign or fetch_site not in ("same-origin", "none"):
        raise RequestError(HTTPStatus.FORBIDDEN, "requests from other sites are refused")


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether JSON `text` nests arrays and objects deeper than `limit` (strings skipped).

    Checked before `json.loads`, whose recursion a body of 64 KiB of `[` would exhaust.
    """
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def parse_decision(raw: bytes) -> tuple[str | None, str, str]:
    """A PUT body's decision, note and reviewer, checked; refused with a 400 and one sentence."""
    try:
        text = raw.decode("utf-8")
        if json_depth_exceeds(text, MAX_JSON_DEPTH):
            raise RequestError(
                HTTPStatus.BAD_REQUEST,
                f"the request body is nested deeper than {MAX_JSON_DEPTH} levels",
            )
        body = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise RequestError(HTTPStatus.BAD_REQUEST, "the request body is not valid JSON") from None
    if not isinstance(body, dict) or "decision" not in body:
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            'send a JSON object like {"decision": "approved", "note": ""}',
        )
    unknown = sorted(set(body) - {"decision", "note", "reviewer"})
    if unknown:
        raise RequestError(HTTPStatus.BAD_REQUEST, f"unknown field '{unknown[0]}'")
    decision = body["decision"]
    if decision is not None and decision not in DECISIONS:
        raise RequestError(
            HTTPStatus.BAD_REQUEST,
            'the decision must be "approved", "rejected" or null',
        )
    note = body.get("note", "")
    if note is None:
        note = ""
    if not isinstance(note, str):
        raise RequestError(HTTPStatus.BAD_REQUEST, "the note must be a string")
    reviewer = body.get("reviewer") or ""
    if not isinstance(reviewer, str):
        raise RequestError(HTTPStatus.BAD_REQUEST, "the reviewer must be a string")
    return decision, note, reviewer
