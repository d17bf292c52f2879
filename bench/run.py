#!/usr/bin/env python
"""make bench: Aduan under load at national scale, side by side with django-helpdesk and
pgbench, on this machine.

    .venv/bin/python bench/run.py [--reports 1000000] [--only tracking,api_submit] ...

1. Fills (or reuses, with >= --reports) the PostgreSQL database in DATABASE_URL.
2. Makes the bench people (bench/load/fixtures.py): tokens, session cookies.
3. Serves Aduan with gunicorn and the production settings, Redis for cache and limits.
4. Drives each scenario with wrk on loopback (warm-up, then --duration), rounds
   interleaved with the peers' (bench/peers/), and runs the non-HTTP scripts.
5. Writes bench/results/<UTC time>.md/.json and latest.md. See bench/README.md.
"""

# ruff: noqa: S603 - fixed commands (gunicorn, this venv's python)

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import aduan, cpu, floor, report, wrk

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/aduan_bench"
ADMIN_DSN = "postgres://postgres@127.0.0.1:5432/postgres"

# The non-HTTP scenarios: the existing scripts, run once each with --json PATH.
SCRIPTS = [
    # name, script, arguments
    ("sweep_due_10000", "bench/sweep.py", ["--due", "10000", "--repeat", "3", "--no-explain"]),
    ("rollup_rebuild", "bench/oversight.py", ["--rebuild", "--repeat", "3", "--no-explain"]),
    ("export_100000", "bench/export.py", ["--rows", "100000"]),
]
SLOW = {"sweep_due_10000", "rollup_rebuild", "export_100000", "api_submit_photo"}
# Aduan scenario -> the ratio lines it takes part in.
RATIOS = [
    ("API submission vs helpdesk ticket creation", "api_submit", "helpdesk:ticket_create", "≥ 5×"),
    ("API submission vs pgbench insert TPS", "api_submit", "pgbench:insert", "≥ 5%"),
    (
        "floor: token-checked API insert of one row vs helpdesk ticket creation",
        "floor_api_insert",
        "helpdesk:ticket_create",
        "",
    ),
    (
        "floor: token-checked API insert vs pgbench insert TPS",
        "floor_api_insert",
        "pgbench:insert",
        "",
    ),
    ("agency inbox (web) vs helpdesk ticket list", "agency_inbox", "helpdesk:ticket_list", ""),
    ("agency inbox (API) vs helpdesk ticket list", "api_agency_inbox", "helpdesk:ticket_list", ""),
    ("tracking page vs helpdesk ticket page", "tracking", "helpdesk:ticket_page", ""),
    ("staff report page vs helpdesk ticket page", "staff_report", "helpdesk:ticket_page", ""),
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_DB)
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
    )
    parser.add_argument("--reports", type=int, default=1_000_000, help="fill up to this many")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=18100, help="Aduan; helpdesk on +1")
    parser.add_argument(
        "--half-peak",
        action="store_true",
        help="after the rounds, each scenario again, paced at half its median rate (p99 there)",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c")
    parser.add_argument("--duration", type=float, default=20, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=3, help="seconds before each measure")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--skip-slow", action="store_true", help="no scripts, no photo upload")
    parser.add_argument("--no-peers", action="store_true", help="Aduan alone")
    parser.add_argument(
        "--no-floor", action="store_true", help="no floor scenarios (bench/load/floor.py)"
    )
    parser.add_argument(
        "--peers-dir", type=Path, default=ROOT / "bench" / "peers", help="where helpdesk.py is"
    )
    parser.add_argument("--helpdesk-tickets", type=int, default=100_000)
    parser.add_argument(
        "--helpdesk-workdir", type=Path, default=None, help="default: WORKDIR/helpdesk"
    )
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--list", action="store_true", help="list the scenarios and stop")
    parser.add_argument(
        "--note", default="", help="a sentence for the results (the machine's state)"
    )
    return parser.parse_args()


def measure(base_url: str, scenario: dict, args, *, masters: list[int], backends) -> dict:
    """Warm-up, then one measured wrk run with the CPU of the server and its backends."""
    if args.warmup > 0:
        wrk.run(
            base_url,
            scenario,
            threads=args.threads,
            connections=args.connections,
            seconds=args.warmup,
        )
    app = cpu.TreeMeter(masters)
    db = cpu.Sampler(backends) if backends else None
    app.start()
    if db:
        db.start()
    fig = wrk.run(
        base_url,
        scenario,
        threads=args.threads,
        connections=args.connections,
        seconds=args.duration,
    )
    app_s = app.stop()
    db_s = db.stop() if db else None
    n = fig["requests"]
    # No request finished in the time (a loaded machine, a slow page): no figure per request.
    fig["app_cpu_ms"] = app_s * 1000 / n if n else None
    fig["db_cpu_ms"] = db_s * 1000 / n if n and db_s is not None else None
    fig["app_cpu_s"], fig["db_cpu_s"] = app_s, db_s
    return fig


def half_peak(base_url: str, scenarios: list[dict], peaks: dict, args) -> dict:
    """Each scenario paced at half its median peak rate: the latency people see on a busy
    day rather than at saturation (the issue's "p99 at half of peak")."""
    found = {}
    for s in scenarios:
        peak = peaks.get(s["name"], {}).get("rps")
        if not peak:
            continue
        fig = wrk.run(
            base_url,
            s,
            threads=args.threads,
            connections=args.connections,
            seconds=args.duration,
            rate=peak / 2,
        )
        found[s["name"]] = {"target_rps": peak / 2, **fig}
        print(
            f"[half peak] {s['name']}: {fig['rps']:.1f} of {peak / 2:.1f} req/s, "
            f"p50 {report.fmt(fig['latency_ms']['p50'])} p99 {report.fmt(fig['latency_ms']['p99'])} ms, "
            f"errors {fig['errors']}"
        )
    return found


def load_peers(directory: Path):
    """(Helpdesk class, run_pgbench) from ``directory``, each None with a reason if absent."""
    sys.path.insert(0, str(directory.resolve().parent))
    missing = []
    helpdesk_class = pgbench = None
    try:
        from peers import helpdesk

        helpdesk_class = helpdesk.Helpdesk
    except ImportError as exc:
        missing.append(f"bench/peers/helpdesk.py not usable ({exc})")
    try:
        from peers.pgbench import run_pgbench as pgbench
    except ImportError as exc:
        missing.append(f"bench/peers/pgbench.py not usable ({exc})")
    return helpdesk_class, pgbench, "; ".join(missing)


def run_script(name: str, script: str, extra: list[str], *, python: str, env: dict) -> dict:
    """One non-HTTP script with --json; "not run" when it does not take --json yet."""
    path = ROOT / script
    helptext = subprocess.run(
        [python, str(path), "--help"], capture_output=True, text=True, env=env
    )
    if "--json" not in helptext.stdout:
        return {"status": "not run (the script has no --json option yet)"}
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        target = Path(out.name)
    started = time.monotonic()
    proc = subprocess.run(
        [python, str(path), *extra, "--json", str(target)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - started
    try:
        figures = json.loads(target.read_text()) if target.stat().st_size else None
    except (OSError, ValueError):
        figures = None
    target.unlink(missing_ok=True)
    if proc.returncode != 0:
        return {
            "status": f"failed ({proc.returncode}): {proc.stderr.strip()[-300:]}",
            "seconds": seconds,
        }
    return {"status": "ok", "seconds": seconds, "figures": figures}


def ratio_lines(aduan_rows: dict, helpdesk_rows: dict, pg: dict) -> list[dict]:
    out = []
    for what, mine, theirs, target in RATIOS:
        a = aduan_rows.get(mine, {}).get("rps")
        source, case = theirs.split(":")
        if source == "helpdesk":
            b = helpdesk_rows.get(case, {}).get("rps")
        else:
            b = (pg.get(case) or {}).get("tps")
        if a is None or not b:
            continue
        ratio = a / b
        text = f"{ratio * 100:.1f}%" if source == "pgbench" else f"{ratio:.2f}×"
        out.append(
            {
                "what": what,
                "aduan": a,
                "peer": b,
                "ratio": ratio,
                "ratio_text": text,
                "target": target,
            }
        )
    return out


def main() -> None:
    args = parse_args()
    # kill / Ctrl-C: stop the servers this run started (the finally below) before leaving.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    python = sys.executable
    args.workdir.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    env = aduan.server_env(
        database_url=args.database_url,
        redis_url=args.redis_url,
        workdir=args.workdir,
        port=args.port,
        workers=args.workers,
    )
    only = {s for s in args.only.split(",") if s}

    print(f"database: {args.database_url}")
    filled = aduan.fill(
        database_url=args.database_url, reports=args.reports, python=python, env=env
    )
    print(filled)
    print("people and ids (bench/load/fixtures.py)…")
    fx = aduan.prepare(python=python, env=env)
    aduan.analyze(args.database_url)
    print(
        f"busiest agency {fx['busiest_agency']['code']}, unit {fx['unit']['code']}, "
        f"heaviest reporter {fx['heaviest_reporter_reports']:,} reports"
    )
    if not args.no_floor:
        env["PYTHONPATH"] = f"{env['PYTHONPATH']}:{ROOT / 'bench'}"
        env["DJANGO_SETTINGS_MODULE"] = floor.SETTINGS
        floor.table_create(args.database_url)
    server = aduan.Server(
        python=python,
        env=env,
        log=args.workdir / "gunicorn.log",
        app=None if args.no_floor else floor.APP,
    )
    helpdesk_class, run_pgbench, peers_missing = (
        (None, None, "not asked (--no-peers)") if args.no_peers else load_peers(args.peers_dir)
    )
    desk = None
    result: dict = {
        "started": started,
        "commit": report.git_commit(ROOT),
        "database": args.database_url,
        "fill": filled,
        "machine": report.machine(args.database_url),
        "settings": {
            k: getattr(args, k)
            for k in (
                "workers",
                "threads",
                "connections",
                "duration",
                "warmup",
                "rounds",
                "reports",
            )
        }
        | {"peers_dir": str(args.peers_dir)},
        "note": args.note,
        "fixtures": {k: fx[k] for k in ("busiest_agency", "unit", "heaviest_reporter_reports")},
        "aduan": {},
        "helpdesk": {},
        "pgbench": {},
        "scripts": {},
        "peers_missing": peers_missing,
    }
    try:
        server.start()
        backends = aduan.BackendPids(args.database_url)
        photo = aduan.photo(args.workdir / "photo-1mb.jpg")
        all_scenarios = aduan.scenarios(fx, base_url=server.base_url, photo_path=photo)
        if not args.no_floor:
            all_scenarios += floor.scenarios(fx["users"]["citizen"]["token"])
        if args.list:
            for s in all_scenarios:
                print(s["name"], s.get("note", ""))
            for name, *_ in SCRIPTS:
                print(name)
            return
        chosen = [
            s
            for s in all_scenarios
            if (not only or s["name"] in only) and not (args.skip_slow and s["name"] in SLOW)
        ]
        ready = []
        for s in chosen:
            status, location = aduan.preflight(server.base_url, s)
            if aduan.preflight_ok(s, status, location):
                ready.append(s)
            else:
                print(f"{s['name']}: preflight answered {status} {location[:200]!r}: not measured")
                result["aduan"][s["name"]] = {"skipped": f"preflight {status}"}

        peer_scenarios: list[dict] = []
        if helpdesk_class is not None and (
            not only
            or only & {"ticket_create", "ticket_list", "ticket_page", "helpdesk"}
            or any(s.get("peer") for s in ready)
        ):
            try:
                desk = helpdesk_class(
                    workdir=args.helpdesk_workdir or args.workdir / "helpdesk", admin_dsn=ADMIN_DSN
                )
                print("helpdesk: prepare…")
                desk.prepare(tickets=args.helpdesk_tickets)
                desk.start(port=args.port + 1, workers=args.workers)
                peer_scenarios = desk.scenarios()
                desk_db = getattr(desk, "database", "helpdesk_bench")
                desk_backends = aduan.BackendPids(args.database_url, database=desk_db)
            except Exception as exc:  # a broken peer must not lose Aduan's run
                peers_missing = f"helpdesk failed: {type(exc).__name__}: {exc}"
                result["peers_missing"] = peers_missing
                print(peers_missing)
                desk = None
        wanted_peers = {s.get("peer") for s in ready if s.get("peer")} | (
            only & {"ticket_create", "ticket_list", "ticket_page"}
        )
        peer_scenarios = [p for p in peer_scenarios if not only or p["name"] in wanted_peers]

        raw: dict[str, list[dict]] = {s["name"]: [] for s in ready}
        raw_peer: dict[str, list[dict]] = {p["name"]: [] for p in peer_scenarios}
        raw_pg: dict[str, list[dict]] = {}
        peers_by_name = {p["name"]: p for p in peer_scenarios}
        want_pgbench = run_pgbench is not None and (
            not only or "pgbench" in only or any(s["name"] == "api_submit" for s in ready)
        )

        def measure_peer(name: str, rnd: int) -> None:
            fig = measure(
                desk_base(args),
                peers_by_name[name],
                args,
                masters=desk.server_pids(),
                backends=desk_backends,
            )
            raw_peer[name].append(fig)
            print(
                f"[{rnd}] helpdesk {name}: {fig['rps']:.1f} req/s, "
                f"p99 {report.fmt(fig['latency_ms']['p99'])} ms, errors {fig['errors']}, "
                f"CPU {report.fmt(fig['app_cpu_ms'])} + {report.fmt(fig['db_cpu_ms'])} ms/req"
            )

        def measure_pgbench(rnd: int) -> None:
            nonlocal want_pgbench
            try:
                pg = run_pgbench(
                    admin_dsn=ADMIN_DSN,
                    clients=args.connections,
                    threads=args.threads,
                    seconds=round(args.duration),
                )
            except Exception as exc:  # a broken peer must not lose Aduan's run
                result["peers_missing"] = f"pgbench failed: {type(exc).__name__}: {exc}"
                print(result["peers_missing"])
                want_pgbench = False
                return
            for case, fig in pg.items():
                raw_pg.setdefault(case, []).append(fig)
            print(f"[{rnd}] pgbench: {pg}")

        # Interleaved: each Aduan scenario, then its helpdesk equivalent (once a round),
        # and pgbench after the API submission, so that compared figures are close in time.
        for rnd in range(1, args.rounds + 1):
            peers_done: set[str] = set()
            pgbench_done = False
            for s in ready:
                fig = measure(server.base_url, s, args, masters=[server.pid], backends=backends)
                raw[s["name"]].append(fig)
                print(
                    f"[{rnd}] {s['name']}: {fig['rps']:.1f} req/s, "
                    f"p50 {report.fmt(fig['latency_ms']['p50'])} p99 {report.fmt(fig['latency_ms']['p99'])} ms, "
                    f"errors {fig['errors']}, "
                    f"CPU {report.fmt(fig['app_cpu_ms'])} + {report.fmt(fig['db_cpu_ms'])} ms/req"
                )
                if fig["errors"]:
                    print(f"    answers: {wrk.status_summary(fig['statuses'])}")
                if (peer := s.get("peer")) in peers_by_name and peer not in peers_done:
                    measure_peer(peer, rnd)
                    peers_done.add(peer)
                if s["name"] == "api_submit" and want_pgbench:
                    measure_pgbench(rnd)
                    pgbench_done = True
            for name in peers_by_name.keys() - peers_done:
                measure_peer(name, rnd)
            if want_pgbench and not pgbench_done:
                measure_pgbench(rnd)

        for name, rounds in raw.items():
            result["aduan"][name] = report.median_of(rounds) | {"raw": rounds}
        if args.half_peak:
            result["half_peak"] = half_peak(server.base_url, ready, result["aduan"], args)
        for name, rounds in raw_peer.items():
            result["helpdesk"][name] = report.median_of(rounds) | {"raw": rounds}
        for case, rounds in raw_pg.items():
            result["pgbench"][case] = {
                k: statistics.median(r[k] for r in rounds if r.get(k) is not None)
                for k in ("tps", "latency_ms")
                if any(r.get(k) is not None for r in rounds)
            }
        result["ratios"] = ratio_lines(result["aduan"], result["helpdesk"], result["pgbench"])
        result["memory"] = {"aduan": cpu.workers_memory_mb(server.pid)}
        if desk is not None and (desk_pids := desk.server_pids()):
            result["memory"]["helpdesk"] = cpu.workers_memory_mb(desk_pids[0])
    finally:
        server.stop()
        if desk is not None:
            desk.stop()
        if not args.no_floor:
            floor.table_drop(args.database_url)

    if not args.skip_slow:
        script_env = {
            **env,
            "DATABASE_URL": args.database_url,
            "DJANGO_SETTINGS_MODULE": "aduan.config.settings.base",
        }
        for name, script, extra in SCRIPTS:
            if only and name not in only:
                continue
            print(f"{name}: {script} {' '.join(extra)} --json …")
            result["scripts"][name] = run_script(name, script, extra, python=python, env=script_env)
            print(f"    {result['scripts'][name]['status']}")
    path = report.write(result, args.results)
    print()
    print(report.markdown(result))
    print(f"\nwritten: {path} and {args.results / 'latest.md'}")


def desk_base(args) -> str:
    return f"http://127.0.0.1:{args.port + 1}"


if __name__ == "__main__":
    main()
