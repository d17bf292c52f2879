"""deploy/nginx/aduan.conf in front of two gunicorn processes started with the project's
config (Debian's nginx-light): ``nginx -t`` accepts it, requests are spread over both
backends, the client's own address reaches the app through X-Forwarded-For (its rate
limit counts per client, and a forged header does not escape it), static files come from
nginx, pages are compressed by the app (not by nginx), and a body over the upload limit is
refused at the edge."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import REPO_ROOT, run_manage, stop_process, subprocess_env
from django.conf import settings

START_TIMEOUT = 30  # seconds for a gunicorn to import the app and bind

NGINX = Path("/usr/sbin/nginx")
SHIPPED = REPO_ROOT / "deploy" / "nginx" / "aduan.conf"
# ADUAN_API_LOGIN_RATE for the test: 3 per hour per address (an hour, so that a fixed
# window does not end in the middle of the burst)
LOGIN_RATE = 3

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not NGINX.exists(), reason="apt install nginx-light"),
]


@dataclass
class Edge:
    https: int  # nginx's ports
    http: int
    logs: list[Path]  # each gunicorn's access log
    offsets: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        # What the gunicorns answered while starting is not the test's.
        self.offsets = [log.stat().st_size for log in self.logs]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(server: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}: {server.stderr.read()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            time.sleep(0.2)
        else:
            return
    pytest.fail(f"gunicorn did not listen on {port} within {START_TIMEOUT}s")


def render(*, backends: list[int], https: int, http: int, folder: Path, static: Path) -> str:
    """The shipped file with the values its header says to change."""
    text = SHIPPED.read_text()
    servers = re.findall(r"^    server 127\.0\.0\.1:800\d .*;$", text, flags=re.MULTILINE)
    assert len(servers) == 2
    text = text.replace(
        servers[0], f"    server 127.0.0.1:{backends[0]} max_fails=3 fail_timeout=10s;"
    )
    text = text.replace(
        servers[1], f"    server 127.0.0.1:{backends[1]} max_fails=3 fail_timeout=10s;"
    )
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen [::]:80;\n": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "listen [::]:443 ssl http2;\n": "",
        "/etc/letsencrypt/live/aduan.example.id/fullchain.pem": str(folder / "tls.crt"),
        "/etc/letsencrypt/live/aduan.example.id/privkey.pem": str(folder / "tls.key"),
        "/srv/aduan/var/static/": f"{static}/",
        "/var/log/nginx/": f"{folder}/",
        "aduan.example.id": "127.0.0.1",
    }
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def main_config(folder: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf gives the site: an http block that includes it."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the tmp files
    return f"""{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
daemon off;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {site};
}}
"""


@pytest.fixture
def edge(migrated_sqlite, tmp_path):
    """nginx on two loopback ports (HTTPS, HTTP) before two gunicorns; (https port,
    the two gunicorns' access logs)."""
    database = tmp_path / "aduan.sqlite3"
    shutil.copy(migrated_sqlite, database)
    backends = [free_port(), free_port()]
    https, http = free_port(), free_port()
    base = {
        "DJANGO_SETTINGS_MODULE": "aduan.config.settings.base",
        "ADUAN_VAR_DIR": str(tmp_path),
        "ADUAN_SQLITE_PATH": str(database),
        "ADUAN_STATIC_ROOT": str(tmp_path / "static"),
        "ADUAN_TRUSTED_PROXY_COUNT": "1",
        "ADUAN_API_LOGIN_RATE": f"{LOGIN_RATE}/h",
        "ADUAN_ALLOWED_HOSTS": "127.0.0.1",
        "HOST": "127.0.0.1",
        "WEB_WORKERS": "1",
    }
    collected = run_manage("collectstatic", "--no-input", "-v", "0", env=subprocess_env(**base))
    assert collected.returncode == 0, collected.stderr
    subprocess.run(  # noqa: S603 - fixed argv
        [
            "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-keyout", str(tmp_path / "tls.key"),
            "-out", str(tmp_path / "tls.crt"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    site = tmp_path / "aduan.conf"
    site.write_text(
        render(
            backends=backends, https=https, http=http, folder=tmp_path, static=tmp_path / "static"
        )
    )
    nginx_conf = tmp_path / "nginx.conf"
    nginx_conf.write_text(main_config(tmp_path, site))

    processes: list[subprocess.Popen] = []
    logs = []
    try:
        for port in backends:
            log = (tmp_path / f"gunicorn-{port}.log").open("w")
            logs.append(log)
            server = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [
                    str(Path(sys.executable).with_name("gunicorn")),
                    "--config",
                    "python:aduan.config.gunicorn",
                ],
                cwd=REPO_ROOT,
                env=subprocess_env(**base, PORT=str(port)),
                stdout=log,
                stderr=subprocess.PIPE,
                text=True,
            )
            processes.append(server)
            wait_until_serving(server, port)
        checked = subprocess.run(  # noqa: S603
            [str(NGINX), "-t", "-c", str(nginx_conf), "-p", str(tmp_path)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, checked.stderr
        assert "syntax is ok" in checked.stderr
        nginx = subprocess.Popen(  # noqa: S603
            [str(NGINX), "-c", str(nginx_conf), "-p", str(tmp_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(nginx)
        deadline = time.monotonic() + 10
        while request(https, "GET", "/static/none")[0] is None:
            if nginx.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"nginx did not start: {(tmp_path / 'error.log').read_text()}")
            time.sleep(0.1)
        yield Edge(https=https, http=http, logs=[Path(log.name) for log in logs])
    finally:
        for process in reversed(processes):
            stop_process(process)
        for log in logs:
            log.close()


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
    tls: bool = True,
) -> tuple[int | None, dict[str, str], bytes]:
    """One request to nginx from the loopback address ``source``; (None, {}, b"") while
    nothing listens."""
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate
        connection = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=20, context=context, source_address=(source, 0)
        )
    else:
        connection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=20, source_address=(source, 0)
        )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    except ConnectionRefusedError:
        return None, {}, b""
    finally:
        connection.close()


def served_paths(logs: list[Path], offsets: list[int], *, at_least: int = 0) -> list[list[str]]:
    """The paths each gunicorn answered since ``offsets`` (its access log's sizes then).

    Gunicorn writes the access line after the answer has left, so wait (a few seconds at
    most) until ``at_least`` lines are there.
    """
    deadline = time.monotonic() + 10
    while True:
        found = []
        for log, offset in zip(logs, offsets, strict=True):
            with log.open() as handle:
                handle.seek(offset)
                found.append(re.findall(r'"[A-Z]+ (\S+) HTTP/1\.[01]"', handle.read()))
        if sum(map(len, found)) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def sign_in_attempt(port: int, source: str, forged: str | None = None) -> int:
    headers = {"Content-Type": "application/json", "Accept-Language": "en"}
    if forged:
        headers["X-Forwarded-For"] = forged
    body = json.dumps({"email": f"{uuid.uuid4().hex}@example.id", "password": "wrong-pass-1"})
    return request(
        port, "POST", "/api/v1/auth/token", body=body.encode(), headers=headers, source=source
    )[0]


def test_nginx_balances_forwards_the_client_address_and_serves_static(edge):
    https, http = edge.https, edge.http
    logs, offsets = edge.logs, edge.offsets

    # Plain HTTP is sent to HTTPS.
    status, headers, _ = request(http, "GET", "/lapor/", tls=False)
    assert status == 301
    assert headers["location"] == "https://127.0.0.1/lapor/"

    # Spread over both backends.
    for _ in range(12):
        status, headers, body = request(https, "GET", "/", headers={"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["content-encoding"] == "gzip"  # by the app, padded (BREACH)
    first, second = served_paths(logs, offsets, at_least=12)
    assert first.count("/") >= 3, (first, second)
    assert second.count("/") >= 3, (first, second)
    assert first.count("/") + second.count("/") == 12

    # Static files come from nginx (pre-compressed, cached for a year), not from gunicorn.
    [css] = re.findall(rb'href="(/static/[^"]+\.css)"', gzip.decompress(body))[:1]
    status, headers, _ = request(https, "GET", css.decode(), headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["content-encoding"] == "gzip"
    assert "immutable" in headers["cache-control"]
    first, second = served_paths(logs, offsets, at_least=12)
    assert css.decode() not in first + second

    # The client's address reaches the app: 127.0.0.2 runs out of sign-in attempts (the
    # app's per-address limit, counted in the shared cache by both backends) and stays
    # out with a forged X-Forwarded-For; 127.0.0.3 is still let in.
    answers = [sign_in_attempt(https, "127.0.0.2") for _ in range(LOGIN_RATE + 1)]
    assert answers == [401] * LOGIN_RATE + [429]
    assert sign_in_attempt(https, "127.0.0.2", forged="198.51.100.7") == 429
    assert sign_in_attempt(https, "127.0.0.3") == 401
    first, second = served_paths(logs, offsets, at_least=12 + LOGIN_RATE + 3)
    assert "/api/v1/auth/token" in first
    assert "/api/v1/auth/token" in second

    # A body over the upload limit is refused by nginx before any backend sees it.
    limit = settings.ADUAN_ATTACHMENT_MAX_BYTES * settings.ADUAN_ATTACHMENT_MAX_COUNT
    shipped = int(re.search(r"client_max_body_size (\d+)m;", SHIPPED.read_text())[1]) * 2**20
    assert limit < shipped <= limit + 2 * 2**20
    status, _, _ = request(
        https, "POST", "/api/v1/reports", headers={"Content-Length": str(shipped + 1)}
    )
    assert status == 413
