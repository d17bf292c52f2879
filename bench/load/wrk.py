"""Drive one scenario with wrk and read its figures back.

A scenario is ``{"name", "method", "path" | "paths", "headers", "body", "upload"}``. The
Lua script made for it:

- replaces ``{{n}}`` in the path and body by a value unique to the request (run nonce,
  thread, counter), so that submissions are never duplicates of each other;
- cycles through ``paths`` (many tracking ids rather than one cached page);
- with ``upload`` (a file and a path template with ``{{tracking_id}}``), follows each
  created report (201 with a ``tracking_id``) with a multipart POST of the file to it;
- counts answers by status and prints, in ``done()``, one line ``BENCH_JSON {...}`` with
  the requests, errors and latency percentiles (microseconds).
"""

# ruff: noqa: S603, S607 - fixed commands (wrk, gunicorn, git, this venv's python)

from __future__ import annotations

import json
import secrets
import subprocess
import tempfile
from pathlib import Path

MARKER = "BENCH_JSON "

LUA = r"""
local spec = __SPEC__
local nonce = "__NONCE__"
local threads = {}
local next_id = 1

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local counter = 0
local cursor = 0
local created = {}
statuses = {}
local upload_body = nil
local boundary = "benchboundary" .. nonce

function init(args)
  if spec.upload then
    local f = assert(io.open(spec.upload.file, "rb"))
    local data = f:read("*a")
    f:close()
    upload_body = "--" .. boundary .. "\r\n" ..
      'Content-Disposition: form-data; name="' .. spec.upload.field .. '"; filename="photo.jpg"\r\n' ..
      "Content-Type: " .. spec.upload.content_type .. "\r\n\r\n" .. data ..
      "\r\n--" .. boundary .. "--\r\n"
  end
end

local function fill(text, n)
  if text == nil then return nil end
  return (string.gsub(text, "{{n}}", n))
end

function request()
  if upload_body and #created > 0 then
    local tracking = table.remove(created, 1)
    local headers = {}
    for k, v in pairs(spec.upload.headers) do headers[k] = v end
    headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
    local path = string.gsub(spec.upload.path, "{{tracking_id}}", tracking)
    return wrk.format("POST", path, headers, upload_body)
  end
  counter = counter + 1
  local n = nonce .. "-" .. tid .. "-" .. counter
  local path = spec.path
  if spec.paths then
    cursor = cursor % #spec.paths + 1
    path = spec.paths[cursor]
  end
  return wrk.format(spec.method, fill(path, n), spec.headers, fill(spec.body, n))
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
  if upload_body and status == 201 and body then
    local tracking = string.match(body, '"tracking_id":%s*"([%w%-]+)"')
    if tracking then table.insert(created, tracking) end
  end
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for k, v in pairs(s) do counts[k] = (counts[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(counts) do table.insert(parts, string.format('"%s": %d', k, v)) end
  local e = summary.errors
  io.write(string.format(
    '__MARKER__{"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}, ' ..
    '"statuses": {%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, table.concat(parts, ", ")))
end
"""


def lua_string(text: str) -> str:
    """A Lua long string holding ``text`` exactly (no escapes are read in long strings)."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    # A long string drops a first newline: add one so that a leading newline survives.
    return f"[{eq}[\n{text}]{eq}]"


def lua_value(value) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return lua_string(value)
    if isinstance(value, (list, tuple)):
        return "{" + ", ".join(lua_value(v) for v in value) + "}"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"[ {lua_string(str(k))} ] = {lua_value(v)}" for k, v in value.items())
            + "}"
        )
    raise TypeError(type(value))


# Paced runs: each connection waits this long before its next request (wrk's ``delay``).
PACE_LUA = """
function delay()
  return __DELAY_MS__
end
"""


def lua_script(scenario: dict, *, nonce: str, delay_ms: float | None = None) -> str:
    spec = {
        "method": scenario.get("method", "GET"),
        "path": scenario.get("path"),
        "paths": scenario.get("paths"),
        "headers": scenario.get("headers") or {},
        "body": scenario.get("body"),
        "upload": scenario.get("upload"),
    }
    script = (
        LUA.replace("__SPEC__", lua_value(spec))
        .replace("__NONCE__", nonce)
        .replace("__MARKER__", MARKER)
    )
    if delay_ms is not None:
        script += PACE_LUA.replace("__DELAY_MS__", str(max(0, round(delay_ms))))
    return script


def parse_output(stdout: str) -> dict:
    """The figures ``done()`` printed, in milliseconds, with errors summed up."""
    line = next((ln for ln in stdout.splitlines() if ln.startswith(MARKER)), None)
    if line is None:
        raise ValueError("wrk printed no figures:\n" + stdout[-2000:])
    raw = json.loads(line[len(MARKER) :])
    seconds = raw["duration_us"] / 1e6
    errors = raw["errors"]
    # Without a finished request wrk's percentiles are zeros: none rather than 0 ms.
    latency = {k: (v / 1000 if raw["requests"] else None) for k, v in raw["latency_us"].items()}
    # wrk's "status" errors are answers >= 400 (3xx count as success, as a form's redirect
    # should); socket errors are the other four.
    return {
        "requests": raw["requests"],
        "seconds": seconds,
        "rps": raw["requests"] / seconds if seconds else 0.0,
        "latency_ms": latency,
        "errors": errors["status"]
        + errors["connect"]
        + errors["read"]
        + errors["write"]
        + errors["timeout"],
        "errors_detail": errors,
        "statuses": raw["statuses"],
    }


def run(
    base_url: str,
    scenario: dict,
    *,
    threads: int,
    connections: int,
    seconds: float,
    timeout: int = 10,
    rate: float | None = None,
) -> dict:
    """Run wrk against ``base_url`` for ``seconds`` and return ``parse_output``'s figures.

    With ``rate`` (requests/s over all connections), each connection waits
    ``connections / rate`` seconds before its next request: a paced closed loop, not wrk2's
    open loop, so the rate reached is a little under ``rate`` (the answer's own time is
    added) and is reported as measured."""
    nonce = secrets.token_hex(4)
    delay_ms = connections * 1000 / rate if rate else None
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_script(scenario, nonce=nonce, delay_ms=delay_ms))
    try:
        proc = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                f"--timeout={timeout}s",
                "-s",
                script.name,
                base_url,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        Path(script.name).unlink()
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr.strip()[-1000:]}")
    try:
        return parse_output(proc.stdout)
    except ValueError as exc:
        raise RuntimeError(f"{exc}\n{proc.stderr.strip()[-1000:]}") from exc


def status_summary(statuses: dict) -> str:
    """The answers by status, errors first: 429: 3, 201: 900."""
    items = sorted(statuses.items(), key=lambda kv: (int(kv[0]) < 400, kv[0]))
    return ", ".join(f"{k}: {v}" for k, v in items)
