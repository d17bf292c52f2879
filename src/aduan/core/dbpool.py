"""The database settings a connection pooler in front of PostgreSQL requires.

PgBouncer in transaction mode (``ADUAN_DB_POOLER=pgbouncer``, deploy/pgbouncer/) hands
a server connection to a client for one transaction, so nothing may outlive one: no
server-side cursor held across transactions (``QuerySet.iterator()`` declares one WITH
HOLD outside ``atomic()``) and no prepared statement (psycopg prepares a query run five
times unless told not to; PgBouncer before 1.21 cannot route them). Persistent
connections and health checks stay: they are connections to PgBouncer.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

POOLERS = ("pgbouncer",)


def pooled_database(database: dict, *, pooler: str) -> dict:
    """``database`` (one entry of ``DATABASES``) as it must be behind ``pooler`` ("" for
    none: unchanged)."""
    pooler = pooler.strip().lower()
    if not pooler:
        return database
    if pooler not in POOLERS:
        raise ImproperlyConfigured(f"ADUAN_DB_POOLER must be empty or one of {POOLERS}")
    return {
        **database,
        "DISABLE_SERVER_SIDE_CURSORS": True,
        "OPTIONS": {**database.get("OPTIONS", {}), "prepare_threshold": None},
    }
