"""A stand-in for X on loopback: the API v2 calls Aduan makes and X's media hosts.

It records every request, checks the bearer token like X does, serves media bytes
registered by the test, and can be told to fail the next request to a path (500, 429,
403) to exercise retries and refusals.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANG_UP = 0  # fail_next(prefix, HANG_UP): take the request, close without answering


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: dict | None
    status: int


@dataclass
class FakeX:
    token: str
    account_id: str
    requests: list[Recorded] = field(default_factory=list)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    failures: list[tuple[str, int]] = field(default_factory=list)
    base_url: str = ""
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1900000000000000001))

    def fail_next(self, path_prefix: str, status: int) -> None:
        self.failures.append((path_prefix, status))

    def serve_media(self, path: str, data: bytes, content_type: str = "image/jpeg") -> str:
        self.media[path] = (data, content_type)
        return self.base_url + path

    def sent(self, path_prefix: str = "/2/") -> list[Recorded]:
        """The API requests X accepted."""
        return [
            r
            for r in self.requests
            if r.method == "POST" and r.path.startswith(path_prefix) and 200 <= r.status < 300
        ]

    @property
    def tweets(self) -> list[dict]:
        return [r.body for r in self.sent("/2/tweets")]

    @property
    def dms(self) -> list[tuple[str, dict]]:
        pattern = re.compile(r"^/2/dm_conversations/with/([0-9]+)/messages$")
        return [
            (match.group(1), r.body)
            for r in self.sent("/2/dm_conversations/")
            if (match := pattern.match(r.path))
        ]


def _handler(fake: FakeX):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # keep the test output clean
            return

        def _answer(self, status: int, payload: dict | bytes, content_type="application/json"):
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self, body: dict | None, status: int) -> None:
            fake.requests.append(
                Recorded(self.command, self.path, dict(self.headers.items()), body, status)
            )

        def _injected(self) -> int | None:
            for index, (prefix, status) in enumerate(fake.failures):
                if self.path.startswith(prefix):
                    del fake.failures[index]
                    return status
            return None

        def do_GET(self):
            status = self._injected()
            if status is None:
                status = 200 if self.path in fake.media else 404
            self._record(None, status)
            if status != 200:
                self._answer(status, {"title": "Not Found"})
                return
            data, content_type = fake.media[self.path]
            self._answer(200, data, content_type)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                body = None
            status = self._injected()
            if status is None and self.headers.get("Authorization") != f"Bearer {fake.token}":
                status = 401
            if status is None and (
                not isinstance(body, dict) or not isinstance(body.get("text"), str)
            ):
                status = 400
            dm = re.match(r"^/2/dm_conversations/with/([0-9]+)/messages$", self.path)
            if status is None and self.path != "/2/tweets" and not dm:
                status = 404
            if status == HANG_UP:
                # Read the request, then close without an answer: did the post go out?
                self._record(body, status)
                self.close_connection = True
                return
            status = status or 201
            self._record(body, status)
            if status >= 300:
                self._answer(status, {"title": "Error", "status": status})
            elif dm:
                event_id = str(next(fake._ids))
                self._answer(
                    201,
                    {
                        "data": {
                            "dm_conversation_id": f"{dm.group(1)}-{fake.account_id}",
                            "dm_event_id": event_id,
                        }
                    },
                )
            else:
                self._answer(201, {"data": {"id": str(next(fake._ids)), "text": body["text"]}})

    return Handler


def fake_x_start(*, token: str, account_id: str) -> tuple[FakeX, ThreadingHTTPServer]:
    fake = FakeX(token=token, account_id=account_id)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake, server
