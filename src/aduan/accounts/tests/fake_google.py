"""A fake Google OAuth2 / OpenID Connect provider on a loopback port, for the sign-in tests.

It plays Google's two parts of the authorisation-code flow: ``/authorize`` (where the
browser is sent; it answers at once with a code for the identity the test chose, as if
the person had signed in and agreed) and ``/token`` (where Aduan's server trades the code
for an access token and an ID token). Every token request is recorded for assertions.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt

ISSUER = "https://accounts.google.com"  # what allauth checks the ID token's "iss" against


@dataclass
class FakeGoogle:
    client_id: str
    client_secret: str
    identity: dict = field(default_factory=dict)  # the claims of whoever "signs in" next
    token_requests: list[dict] = field(default_factory=list)
    _codes: dict[str, dict] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeGoogle:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path != "/authorize":
                    self.send_error(404)
                    return
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if query.get("client_id") != fake.client_id:
                    self.send_error(400, "unknown client")
                    return
                code = secrets.token_urlsafe(16)
                fake._codes[code] = {"identity": dict(fake.identity), **query}
                back = urlencode({"code": code, "state": query["state"]})
                self.send_response(302)
                self.send_header("Location", f"{query['redirect_uri']}?{back}")
                self.end_headers()

            def do_POST(self) -> None:
                if urlsplit(self.path).path != "/token":
                    self.send_error(404)
                    return
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                fake.token_requests.append(form)
                grant = fake._codes.pop(form.get("code", ""), None)
                if (
                    grant is None
                    or form.get("client_id") != fake.client_id
                    or form.get("client_secret") != fake.client_secret
                    or form.get("redirect_uri") != grant["redirect_uri"]
                ):
                    self._json(400, {"error": "invalid_grant"})
                    return
                now = int(time.time())
                claims = {
                    "iss": ISSUER,
                    "aud": fake.client_id,
                    "iat": now,
                    "exp": now + 3600,
                    **grant["identity"],
                }
                self._json(
                    200,
                    {
                        "access_token": secrets.token_urlsafe(24),
                        "token_type": "Bearer",
                        "expires_in": 3600,
                        "scope": grant.get("scope", ""),
                        "id_token": jwt.encode(claims, secrets.token_hex(32), algorithm="HS256"),
                    },
                )

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
