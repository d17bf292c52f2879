"""The run's machine, and its figures as a Markdown table and a JSON file."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from pathlib import Path

import psycopg


def machine(database_url: str) -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(
        next(
            ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")
        ).split()[1]
    )
    with psycopg.connect(database_url) as conn:
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]  # names from the list below
            for name in ("server_version", "shared_buffers", "work_mem", "max_connections")
        }
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(mem_kb / 1024 / 1024, 1),
        "load_average_at_start": os.getloadavg(),
        "postgresql": settings,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def git_commit(root: Path) -> str:
    out = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def median_of(rounds: list[dict]) -> dict:
    """The median of each figure over the rounds (latencies, rates and CPU per request)."""

    # ruff: noqa: S603, S607 - fixed commands (wrk, gunicorn, git, this venv's python)

    def med(get):
        values = [v for v in (get(r) for r in rounds) if v is not None]
        return statistics.median(values) if values else None

    out = {
        "rounds": len(rounds),
        "rps": med(lambda r: r["rps"]),
        "requests": sum(r["requests"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "latency_ms": {
            k: med(lambda r, k=k: r["latency_ms"][k]) for k in ("p50", "p95", "p99", "max")
        },
        "app_cpu_ms": med(lambda r: r.get("app_cpu_ms")),
        "db_cpu_ms": med(lambda r: r.get("db_cpu_ms")),
    }
    statuses: dict[str, int] = {}
    for r in rounds:
        for k, v in r["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    out["statuses"] = statuses
    out["errors_detail"] = {
        k: sum(r.get("errors_detail", {}).get(k, 0) for r in rounds)
        for k in ("status", "timeout", "connect", "read", "write")
    }
    return out


def errors_text(m: dict) -> str:
    """The count, with its kinds when there are any: 14 (timeout 14)."""
    kinds = ", ".join(f"{k} {v:,}" for k, v in (m.get("errors_detail") or {}).items() if v)
    return f"{m['errors']:,} ({kinds})" if kinds else f"{m['errors']:,}"


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def http_table(rows: dict[str, dict]) -> list[str]:
    lines = [
        "| scenario | req/s | p50 ms | p95 ms | p99 ms | errors | app CPU ms/req | PG CPU ms/req | answers |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, m in rows.items():
        if "skipped" in m:
            lines.append(f"| {name} | — | — | — | — | — | — | — | {m['skipped']} |")
            continue
        lat = m["latency_ms"]
        answers = ", ".join(f"{k}: {v:,}" for k, v in sorted(m["statuses"].items()))
        lines.append(
            f"| {name} | {fmt(m['rps'])} | {fmt(lat['p50'])} | {fmt(lat['p95'])} | "
            f"{fmt(lat['p99'])} | {errors_text(m)} | {fmt(m['app_cpu_ms'])} | "
            f"{fmt(m['db_cpu_ms'])} | {answers} |"
        )
    return lines


def markdown(result: dict) -> str:
    m = result["machine"]
    s = result["settings"]
    lines = [
        f"# make bench — {result['started']}",
        "",
        (
            f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['ram_gb']} GB RAM, kernel {m['kernel']}, "
            f"PostgreSQL {m['postgresql']['server_version']} (shared_buffers "
            f"{m['postgresql']['shared_buffers']}, work_mem {m['postgresql']['work_mem']}), "
            f"load average at start {', '.join(f'{x:.2f}' for x in m['load_average_at_start'])}."
        ),
        f"Commit {result['commit']}. Database: {result['database']} ({result['fill']}).",
        (
            f"Aduan: gunicorn, {s['workers']} sync workers, production settings, DEBUG off, Redis "
            f"cache and rate limits (raised), CONN_MAX_AGE 60. Load: `wrk -t{s['threads']} "
            f"-c{s['connections']} -d{s['duration']}s` after a {s['warmup']} s warm-up, "
            f"{s['rounds']} interleaved rounds, medians."
        ),
        "",
    ]
    if result.get("note"):
        lines += [result["note"], ""]
    lines += ["## Aduan", "", *http_table(result["aduan"]), ""]
    if any(name.startswith("floor_") for name in result["aduan"]):
        lines += [
            (
                "The `floor_` rows are not Aduan's work but what lies under it on the same server "
                "(bench/load/floor.py): gunicorn alone (`floor_bare`), every middleware "
                "(`floor_plain`), the API's token check (`floor_api_ping`), and that plus one "
                "row inserted in a transaction (`floor_api_insert`)."
            ),
            "",
        ]
    if result.get("half_peak"):
        lines += [
            "## Aduan at half of its peak rate (paced: each connection waits between requests)",
            "",
            "| scenario | target req/s | reached req/s | p50 ms | p95 ms | p99 ms | errors |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name, fig in result["half_peak"].items():
            lat = fig["latency_ms"]
            lines.append(
                f"| {name} | {fmt(fig['target_rps'])} | {fmt(fig['rps'])} | {fmt(lat['p50'])} | "
                f"{fmt(lat['p95'])} | {fmt(lat['p99'])} | {fig['errors']} |"
            )
        lines.append("")
    if result.get("helpdesk"):
        lines += [
            "## django-helpdesk (same PostgreSQL, same workers)",
            "",
            *http_table(result["helpdesk"]),
            "",
        ]
    if result.get("pgbench"):
        lines += [
            "## pgbench (same concurrency)",
            "",
            "| case | TPS | latency ms |",
            "|---|---:|---:|",
        ]
        for case, fig in result["pgbench"].items():
            lines.append(f"| {case} | {fmt(fig.get('tps'))} | {fmt(fig.get('latency_ms'), 2)} |")
        lines.append("")
    if result.get("ratios"):
        lines += [
            "## Ratios",
            "",
            "| what | Aduan | peer | ratio | target |",
            "|---|---:|---:|---:|---|",
        ]
        for r in result["ratios"]:
            lines.append(
                f"| {r['what']} | {fmt(r['aduan'])} | {fmt(r['peer'])} | "
                f"{r['ratio_text']} | {r['target']} |"
            )
        lines.append("")
    if result.get("memory"):
        lines += ["## Worker memory after the run (MB)", ""]
        for app, workers in result["memory"].items():
            if workers:
                rss = [w["rss"] for w in workers]
                pss = [w["pss"] for w in workers]
                lines.append(
                    f"- {app}: {len(workers)} workers, RSS {min(rss):.0f}–{max(rss):.0f} "
                    f"(PSS, shared pages split: {min(pss):.0f}–{max(pss):.0f})"
                )
        lines.append("")
    if result.get("peers_missing"):
        lines += [f"Peers: {result['peers_missing']}", ""]
    if result.get("scripts"):
        lines += [
            "## Non-HTTP scenarios",
            "",
            "| script | status | seconds | figures |",
            "|---|---|---:|---|",
        ]
        for name, fig in result["scripts"].items():
            figures = (
                json.dumps(fig.get("figures"), ensure_ascii=False)[:400]
                if fig.get("figures")
                else ""
            )
            lines.append(f"| {name} | {fig['status']} | {fmt(fig.get('seconds'))} | {figures} |")
        lines.append("")
    return "\n".join(lines)


def write(result: dict, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = result["started"].replace(":", "").replace("-", "")
    md = markdown(result)
    (directory / f"{stamp}.md").write_text(md + "\n")
    (directory / f"{stamp}.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n"
    )
    (directory / "latest.md").write_text(md + "\n")
    return directory / f"{stamp}.md"
