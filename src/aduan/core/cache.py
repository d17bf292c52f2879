"""The Redis cache, riding out a Redis restart: while Redis is unreachable, or refuses
the command (out of memory under ``noeviction``, ``READONLY`` after a failover, an ACL's
``NOPERM``), each process uses a cache of its own instead of failing the request.

What Aduan keeps in the cache may be lost: rate-limit counters (during an outage they
count per process, so a limit is looser by the number of web processes, not gone) and
the scheduler's sweep claims (schedulers may then enqueue a sweep each: harmless, the
sweep is safe twice). Django's ``RedisCache`` would instead raise on every request that
counts a submission: a 500 for something nobody needs to see. After a failure Redis is
left alone for ``RETRY_SECONDS``, so a Redis that hangs costs one timeout per process per
interval, not one per request; the outage is logged when it starts and when it ends.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

RETRY_SECONDS = 1.0
# ``counters_incr``: KEYS the counters, ARGV their timeouts in seconds.
_COUNTERS_INCR = """
local counts = {}
for i, key in ipairs(KEYS) do
    redis.call('SET', key, 0, 'NX', 'EX', ARGV[i])
    counts[i] = redis.call('INCR', key)
end
return counts
"""
_OPERATIONS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


class _FallbackClient(RedisCacheClient):
    """Django's Redis client; an operation that Redis does not carry out (unreachable, or
    refusing it) is done on a local ``LocMemCache`` (the keys and the timeouts in seconds
    are already Redis's)."""

    def __init__(self, servers, **options: Any) -> None:
        super().__init__(servers, **options)
        self._local = LocMemCache("aduan-redis-fallback", {"OPTIONS": {"MAX_ENTRIES": 50_000}})
        self._lock = threading.Lock()
        self._clients: dict[int, Any] = {}
        self._down_since: float | None = None
        self._retry_at = 0.0
        # Every error of redis-py's: unreachable (ConnectionError, TimeoutError) or
        # refusing (ResponseError: OOM, READONLY, NOPERM …). A refused write would refuse
        # again: Redis is left alone for the retry interval all the same.
        self._unreachable = (self._lib.exceptions.RedisError,)

    def get_client(self, key=None, *, write: bool = False):
        """One ``Redis`` object per connection pool, kept: Django's client makes a new one
        for every operation, and its set-up (a table of response callbacks) costs more
        CPU than the command. ``Redis`` objects are safe to share between threads."""
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def _call(self, name: str, *args: Any) -> Any:
        if time.monotonic() >= self._retry_at:
            try:
                result = getattr(super(), name)(*args)
            except self._unreachable as error:
                self._failed(error)
            else:
                self._succeeded()
                return result
        return getattr(self._local, name)(*args)

    def counters_incr(self, timeouts: list[tuple[str, int]]) -> list[int]:
        """Add one to each counter, creating it at 0 with its timeout (seconds) when it
        does not exist: ``add`` then ``incr`` for each, as django-ratelimit does, but in
        one command (a script, atomic) instead of three round trips per counter."""
        if time.monotonic() >= self._retry_at:
            try:
                keys = [key for key, _timeout in timeouts]
                seconds = [timeout for _key, timeout in timeouts]
                counts = self.get_client(write=True).eval(
                    _COUNTERS_INCR, len(keys), *keys, *seconds
                )
            except self._unreachable as error:
                self._failed(error)
            else:
                self._succeeded()
                return counts
        counts = []
        for key, timeout in timeouts:
            self._local.add(key, 0, timeout)
            counts.append(self._local.incr(key))
        return counts

    def _failed(self, error: Exception) -> None:
        with self._lock:
            now = time.monotonic()
            self._retry_at = now + RETRY_SECONDS
            if self._down_since is None:
                self._down_since = now
                logger.warning(
                    "the cache (Redis) is unreachable or refuses the command (%s: %s): this "
                    "process counts rate limits on its own until it is back",
                    type(error).__name__,
                    error,
                )

    def _succeeded(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is not None:
                logger.warning(
                    "the cache (Redis) is back after %.1f s", time.monotonic() - self._down_since
                )
                self._down_since = None


def _delegate(name: str):
    @functools.wraps(getattr(RedisCacheClient, name))
    def method(self: _FallbackClient, *args: Any) -> Any:
        return self._call(name, *args)

    return method


for _name in _OPERATIONS:
    setattr(_FallbackClient, _name, _delegate(_name))


class ResilientRedisCache(RedisCache):
    """``RedisCache`` that answers from a per-process cache while Redis is unreachable."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _FallbackClient

    def counters_incr(self, timeouts: list[tuple[str, int]]) -> list[int]:
        """Add one to each of the counters ``timeouts`` names (creating a missing one with
        its timeout in seconds); their new values, in one round trip to Redis."""
        return self._cache.counters_incr(
            [(self.make_and_validate_key(key), timeout) for key, timeout in timeouts]
        )
