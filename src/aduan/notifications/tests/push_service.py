"""A Web Push service on loopback for the tests, and the keys of a browser that subscribes.

The service checks what a real one checks (RFC 8292: the VAPID JWT, signed with the key in
``k=``, for its own origin, not expired) and then does what the browser does (RFC 8291:
decrypts the aes128gcm body with the device's private key and auth secret), keeping each
payload it could read. It answers each device's endpoint with the status a test sets.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _public_point(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


HANG_UP = 0  # an answer that is no answer: the connection closes after the request

_VAPID_KEY = ec.generate_private_key(ec.SECP256R1())
PUSH_SETTINGS = {
    "ADUAN_VAPID_PUBLIC_KEY": b64url(_public_point(_VAPID_KEY)),
    "ADUAN_VAPID_PRIVATE_KEY": b64url(
        _VAPID_KEY.private_numbers().private_value.to_bytes(32, "big")
    ),
    "ADUAN_VAPID_SUBJECT": "mailto:ops@aduan.example.id",
}


@dataclass(frozen=True)
class DeviceKeys:
    """What a browser keeps (the private key, the auth secret) and what it gives the site."""

    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def p256dh(self) -> str:
        return b64url(_public_point(self.private_key))

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)


def device_keys() -> DeviceKeys:
    return DeviceKeys(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))


def vapid_problem(authorization: str, *, origin: str, public_key: str) -> str | None:
    """What is wrong with a ``vapid t=…, k=…`` header for this service, or None."""
    scheme, _sep, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        return f"scheme {scheme!r}"
    values = dict(part.strip().split("=", 1) for part in params.split(",") if "=" in part)
    if values.get("k") != public_key:
        return "k is not the site's VAPID public key"
    try:
        header, claims, signature = values["t"].split(".")
    except (KeyError, ValueError):
        return "no JWT"
    if json.loads(unb64url(header)).get("alg") != "ES256":
        return "not ES256"
    raw = unb64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(public_key))
    try:
        key.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return "bad signature"
    body = json.loads(unb64url(claims))
    if body.get("aud") != origin:
        return f"aud {body.get('aud')!r} is not {origin!r}"
    if not time.time() < body.get("exp", 0) <= time.time() + 24 * 3600:
        return "exp out of range"
    if not str(body.get("sub", "")).startswith(("mailto:", "https:")):
        return "no sub"
    return None


@dataclass
class PushService:
    public_key: str
    devices: dict[str, DeviceKeys] = field(default_factory=dict)
    answers: dict[str, int] = field(default_factory=dict)  # path → status (default 201)
    received: list[dict[str, Any]] = field(default_factory=list)  # decrypted payloads
    refused: list[str] = field(default_factory=list)
    origin: str = ""

    def endpoint(self, name: str, keys: DeviceKeys) -> str:
        path = f"/push/{name}"
        self.devices[path] = keys
        return f"{self.origin}{path}"

    def handle(self, path: str, headers, body: bytes) -> int:
        problem = vapid_problem(
            headers.get("Authorization", ""), origin=self.origin, public_key=self.public_key
        )
        keys = self.devices.get(path)
        if problem is None and keys is None:
            problem = "unknown device"
        if problem is None and headers.get("Content-Encoding") != "aes128gcm":
            problem = "not aes128gcm"
        if problem is None and not headers.get("TTL", "").isdigit():
            problem = "no TTL"
        if problem is not None:
            self.refused.append(f"{path}: {problem}")
            return 400
        status = self.answers.get(path, 201)
        if status < 300:
            plain = http_ece.decrypt(
                body,
                private_key=keys.private_key,
                auth_secret=keys.auth_secret,
                version="aes128gcm",
            )
            self.received.append({"path": path, "headers": dict(headers), **json.loads(plain)})
        return status


class _Handler(BaseHTTPRequestHandler):
    service: PushService

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.server.service.answers.get(self.path) == HANG_UP:  # type: ignore[attr-defined]
            self.close_connection = True  # read, then gone without a word
            return
        try:
            status = self.server.service.handle(self.path, self.headers, body)  # type: ignore[attr-defined]
        except Exception as exc:
            self.server.service.refused.append(f"{self.path}: {exc!r}")  # type: ignore[attr-defined]
            status = 400
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class running_push_service:  # noqa: N801 - used as a context manager
    """``with running_push_service() as service:`` a ``PushService`` on 127.0.0.1."""

    def __enter__(self) -> PushService:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        service = PushService(public_key=PUSH_SETTINGS["ADUAN_VAPID_PUBLIC_KEY"])
        service.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.server.service = service  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return service

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
