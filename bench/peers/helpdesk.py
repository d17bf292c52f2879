"""django-helpdesk, served beside Aduan in the bench: what a team would otherwise install.

`Helpdesk` installs django-helpdesk from PyPI into its own virtualenv under `workdir`,
migrates and fills its own database on the same PostgreSQL server (`fill.py` in
`helpdesk_project/`, our small Django project that hosts it), serves it with gunicorn
configured as Aduan's is, logs in like a staff member and describes the requests the
runner replays:

- ticket_create: POST /helpdesk/api/tickets/ (its REST API, token auth, as JSON);
- ticket_list: the staff ticket list. Its HTML page is an empty shell whose rows come from
  the datatables JSON endpoint, so the scenario is that endpoint as the page calls it
  (open tickets, 25 rows: the staff user's default page size, oldest first);
- ticket_page: the staff page of one open ticket (session cookie).

`python -m bench.peers.helpdesk --check` prepares, starts, requests each scenario once
and stops.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HELPDESK_VERSION = "2.6.1"
PACKAGES = [
    f"django-helpdesk=={HELPDESK_VERSION}",
    "gunicorn==27.0.1",
    "psycopg[binary]==3.3.9",
]
PROJECT = Path(__file__).resolve().parent / "helpdesk_project"
REPO = Path(__file__).resolve().parents[2]
DEFAULT_WORKDIR = REPO / "var" / "bench" / "helpdesk"
CREATE_BODY = {
    "queue": None,  # set from the filled queues
    "title": "Jalan rusak di Kelurahan Sukamaju (bench {{n}})",
    "description": (
        "Jalan rusak di Kelurahan Sukamaju. Sudah lebih dari dua minggu kondisi ini "
        "dibiarkan tanpa penanganan. Warga sudah melapor ke kantor kelurahan tetapi "
        "belum ada tindak lanjut. Kondisi ini membahayakan pengendara dan anak-anak yang "
        "berangkat sekolah. Setiap hujan turun keadaan menjadi lebih parah dan air masuk "
        "ke rumah warga. Kami mohon petugas segera datang untuk memeriksa lokasi. Mohon "
        "informasi kapan perbaikan akan dilaksanakan. Foto kondisi di lapangan dapat kami "
        "kirimkan bila diperlukan. Terima kasih atas perhatian dan tindak lanjutnya."
    ),
    "submitter_email": "citizen{{n}}@bench.helpdesk.test",
    "priority": 3,
}


def _dsn_with_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{database}"))


class Helpdesk:
    """One django-helpdesk installation: virtualenv, database, gunicorn server."""

    def __init__(
        self,
        *,
        workdir: Path = DEFAULT_WORKDIR,
        admin_dsn: str = "postgres://postgres@127.0.0.1:5432/postgres",
        database: str = "helpdesk_bench",
    ) -> None:
        self.workdir = Path(workdir).resolve()
        self.admin_dsn = admin_dsn
        self.database = database
        self.dsn = _dsn_with_database(admin_dsn, database)
        self.venv = self.workdir / "venv"
        self.info: dict | None = None
        self.port: int | None = None
        self.session_cookie: str | None = None
        self.list_path: str | None = None
        self._process: subprocess.Popen | None = None

    # -- installation -----------------------------------------------------------------

    def _secrets(self) -> dict:
        path = self.workdir / "secrets.json"
        if not path.exists():
            self.workdir.mkdir(parents=True, exist_ok=True)
            path.write_text(
                json.dumps(
                    {
                        "secret_key": secrets.token_urlsafe(50),
                        "password": secrets.token_urlsafe(16),
                    }
                )
            )
            path.chmod(0o600)
        return json.loads(path.read_text())

    def _env(self, **extra: str) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
        values = self._secrets()
        return {
            **keep,
            "PYTHONPATH": str(PROJECT),
            "DJANGO_SETTINGS_MODULE": "settings",
            "HELPDESK_BENCH_WORKDIR": str(self.workdir),
            "HELPDESK_BENCH_DSN": self.dsn,
            "HELPDESK_BENCH_SECRET_KEY": values["secret_key"],
            "HELPDESK_BENCH_PASSWORD": values["password"],
            **extra,
        }

    def _venv_ready(self) -> bool:
        python = self.venv / "bin" / "python"
        if not python.exists():
            return False
        probe = (
            "import importlib.metadata as m, gunicorn, psycopg;print(m.version('django-helpdesk'))"
        )
        result = subprocess.run(  # noqa: S603 - fixed argv
            [str(python), "-c", probe], capture_output=True, text=True, check=False
        )
        return result.returncode == 0 and result.stdout.strip() == HELPDESK_VERSION

    def _install(self) -> None:
        if self._venv_ready():
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(self.venv)], check=True)  # noqa: S603
        subprocess.run(  # noqa: S603 - fixed argv
            [str(self.venv / "bin" / "pip"), "install", "--quiet", *PACKAGES], check=True
        )

    def _create_database(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{self.database}"')

    def prepare(self, *, tickets: int = 100_000) -> None:
        """Install, create the database, migrate and fill; each step skipped when done."""
        self._install()
        self._create_database()
        result = subprocess.run(  # noqa: S603 - fixed argv
            [
                str(self.venv / "bin" / "python"),
                str(PROJECT / "fill.py"),
                "--tickets",
                str(tickets),
            ],
            env=self._env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"helpdesk fill failed:\n{result.stderr[-4000:]}")
        self.info = json.loads(result.stdout.strip().splitlines()[-1])

    # -- server -------------------------------------------------------------------------

    def start(
        self, *, port: int, workers: int = 4, timeout: int = 30, access_log: bool = True
    ) -> None:
        """Start gunicorn, wait until it answers, and log in as the staff user."""
        if self.info is None:
            raise RuntimeError("call prepare() before start()")
        self.port = port
        log = open(self.workdir / "gunicorn.log", "ab")  # noqa: SIM115 (owned by the child)
        env = self._env(
            PORT=str(port),
            WEB_WORKERS=str(workers),
            WEB_TIMEOUT=str(timeout),
            HELPDESK_BENCH_ACCESSLOG=str(self.workdir / "access.log") if access_log else "",
        )
        self._process = subprocess.Popen(  # noqa: S603 - fixed argv
            [
                str(self.venv / "bin" / "gunicorn"),
                "--config",
                str(PROJECT / "gunicorn_conf.py"),
            ],
            cwd=PROJECT,
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        try:
            self._wait_until_up()
            self._log_in()
        except BaseException:
            self.stop()
            raise

    def _url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _wait_until_up(self, seconds: float = 60) -> None:
        import requests

        deadline = time.monotonic() + seconds
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"gunicorn exited ({self._process.returncode}); see {self.workdir / 'gunicorn.log'}"
                )
            try:
                if requests.get(self._url("/helpdesk/login/"), timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("helpdesk did not answer within 60 s")
            time.sleep(0.3)

    def _log_in(self) -> None:
        """Log in through the real login form; keep the session cookie and the list URL."""
        import requests

        session = requests.Session()
        session.get(self._url("/helpdesk/login/"), timeout=30)
        response = session.post(
            self._url("/helpdesk/login/"),
            data={
                "username": self.info["username"],
                "password": self._secrets()["password"],
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
                "next": "/helpdesk/tickets/",
            },
            timeout=30,
        )
        self.session_cookie = session.cookies.get("sessionid")
        if not self.session_cookie or response.status_code != 200:
            raise RuntimeError(f"helpdesk login failed ({response.status_code})")
        # The list page names its datatables endpoint (the default query, base64-encoded).
        match = re.search(r'"url": "(/helpdesk/datatables_ticket_list/[^"]+)"', response.text)
        if not match:
            raise RuntimeError("no datatables URL on the staff ticket list")
        self.list_path = (
            f"{match.group(1)}?draw=1&start=0&length=25&search%5Bvalue%5D=&search%5Bregex%5D=false"
        )

    def server_pids(self) -> list[int]:
        """The gunicorn master and its workers, for CPU accounting."""
        if self._process is None or self._process.poll() is not None:
            return []
        master = self._process.pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return [master, *map(int, children)]

    def scenarios(self, *, include_list_shell: bool = False) -> list[dict]:
        """The requests the runner replays; `{{n}}` in a body is a unique number."""
        if self.session_cookie is None:
            raise RuntimeError("call start() before scenarios()")
        body = dict(CREATE_BODY, queue=self.info["queue_id"])
        staff = {"Cookie": f"sessionid={self.session_cookie}"}
        result = [
            {
                "name": "ticket_create",
                "method": "POST",
                "path": "/helpdesk/api/tickets/",
                "headers": {
                    "Authorization": f"Token {self.info['token']}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                },
                "body": json.dumps(body, ensure_ascii=False),
            },
            {
                "name": "ticket_list",
                "method": "GET",
                "path": self.list_path,
                "headers": {
                    **staff,
                    "Accept": "application/json",
                    "X-Requested-With": "XMLHttpRequest",
                },
                "body": None,
            },
            {
                "name": "ticket_page",
                "method": "GET",
                "path": f"/helpdesk/tickets/{self.info['ticket_id']}/",
                "headers": staff,
                "body": None,
            },
        ]
        if include_list_shell:
            result.append(
                {
                    "name": "ticket_list_shell",
                    "method": "GET",
                    "path": "/helpdesk/tickets/",
                    "headers": staff,
                    "body": None,
                }
            )
        return result

    def stop(self) -> None:
        """Stop gunicorn (graceful, then killed after 30 s)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _check(args: argparse.Namespace) -> None:
    import requests

    helpdesk = Helpdesk(workdir=args.workdir, admin_dsn=args.admin_dsn, database=args.database)
    started = time.monotonic()
    helpdesk.prepare(tickets=args.tickets)
    print(f"prepared in {time.monotonic() - started:.1f} s: {helpdesk.info}")
    helpdesk.start(port=args.port, workers=args.workers)
    try:
        print(f"gunicorn pids: {helpdesk.server_pids()}")
        for scenario in helpdesk.scenarios(include_list_shell=True):
            body = scenario["body"]
            if body is not None:
                body = body.replace("{{n}}", str(time.time_ns())).encode()
            for attempt in ("cold", "warm"):
                began = time.perf_counter()
                response = requests.request(
                    scenario["method"],
                    helpdesk._url(scenario["path"]),
                    headers=scenario["headers"],
                    data=body,
                    timeout=120,
                    allow_redirects=False,
                )
                took = (time.perf_counter() - began) * 1000
                print(
                    f"{scenario['name']:18} {attempt}: {response.status_code}"
                    f" {took:8.1f} ms {len(response.content):7} bytes"
                )
                if response.status_code >= 400 or response.status_code in (301, 302):
                    print(response.text[:500])
    finally:
        helpdesk.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="prepare, start, request each scenario once, stop"
    )
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--admin-dsn", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="helpdesk_bench")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=18200)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    if args.check:
        _check(args)
    else:
        Helpdesk(workdir=args.workdir, admin_dsn=args.admin_dsn, database=args.database).prepare(
            tickets=args.tickets
        )


if __name__ == "__main__":
    main()
