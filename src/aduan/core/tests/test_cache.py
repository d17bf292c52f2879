"""The Redis cache against a real redis-server of the test's own, stopped and started."""

from __future__ import annotations

import logging

import pytest
import redis
from django.core.cache.backends.redis import RedisCache

from aduan.core import cache as resilient


@pytest.fixture
def redis_cache(private_redis, monkeypatch):
    monkeypatch.setattr(resilient, "RETRY_SECONDS", 0)  # try Redis again at every call
    cache = resilient.ResilientRedisCache(
        private_redis.url, {"OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}}
    )
    yield cache
    cache.close()


def test_redis_serves_then_a_local_cache_while_it_is_down_then_redis_again(
    private_redis, redis_cache, caplog
):
    assert redis_cache.add("limit", 1, 60)
    assert redis_cache.incr("limit") == 2
    assert private_redis.client().get(":1:limit") == b"2"  # in Redis itself

    private_redis.stop()
    with caplog.at_level(logging.WARNING, logger="aduan.core.cache"):
        # Django's own backend fails the caller; ours answers from this process's cache.
        with pytest.raises(redis.exceptions.ConnectionError):
            RedisCache(private_redis.url, {}).get("limit")
        assert redis_cache.get("limit") is None  # the count so far was in Redis
        assert redis_cache.add("limit", 1, 60)
        assert redis_cache.incr("limit") == 2
        assert not redis_cache.add("limit", 1, 60)
        assert redis_cache.get_many(["limit", "other"]) == {"limit": 2}

        private_redis.start()
        assert redis_cache.add("limit", 1, 60)  # counted in Redis again, from scratch
        assert private_redis.client().get(":1:limit") == b"1"
    messages = [record.getMessage() for record in caplog.records]
    assert sum("is unreachable" in message for message in messages) == 1, messages
    assert sum("is back after" in message for message in messages) == 1, messages


def test_after_a_failure_redis_is_left_alone_for_a_moment(private_redis, monkeypatch):
    monkeypatch.setattr(resilient, "RETRY_SECONDS", 600)
    cache = resilient.ResilientRedisCache(private_redis.url, {})
    private_redis.stop()
    cache.set("key", "local", 60)
    private_redis.start()
    # Within RETRY_SECONDS the process keeps its own cache: no request waits on Redis.
    assert cache.get("key") == "local"
    monkeypatch.setattr(cache._cache, "_retry_at", 0)
    assert cache.get("key") is None  # Redis (restarted empty) answers again
    cache.close()


def test_one_redis_client_serves_every_operation(private_redis, redis_cache):
    """Django's client makes a ``Redis`` object per operation (a cost of its own, issue 13);
    ours keeps one per connection pool, and it still reaches Redis."""
    client = redis_cache._cache
    assert client.get_client("a") is client.get_client("b", write=True)
    redis_cache.set("shared", 1, 60)
    assert private_redis.client().get(":1:shared") == b"1"
