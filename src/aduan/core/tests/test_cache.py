"""The Redis cache against a real redis-server of the test's own, stopped and started."""

from __future__ import annotations

import logging
import socket

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
    cache._cache._local.clear()  # one per process: nothing left by another test
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


def test_counters_are_counted_in_one_round_trip(private_redis, redis_cache, monkeypatch):
    """``counters_incr`` creates each counter at 0 with its timeout, then adds one, in one
    command; ``add`` then ``incr`` (django-ratelimit's way) count the same counters."""
    sent = []
    monkeypatch.setattr(
        redis.Redis, "execute_command", _counting(redis.Redis.execute_command, sent)
    )
    assert redis_cache.counters_incr([("a", 60), ("b", 30)]) == [1, 1]
    assert len(sent) == 1
    assert redis_cache.incr("a") == 2
    assert redis_cache.counters_incr([("a", 60), ("b", 30)]) == [3, 2]
    assert 25 < private_redis.client().ttl(":1:b") <= 30

    private_redis.stop()  # counted by this process meanwhile
    assert redis_cache.counters_incr([("a", 60)]) == [1]
    assert redis_cache.counters_incr([("a", 60)]) == [2]


def _counting(method, calls: list):
    def counted(self, *args, **kwargs):
        calls.append(args[0])
        return method(self, *args, **kwargs)

    return counted


def test_submission_limits_count_in_redis_as_django_ratelimit_does(private_redis, settings, rf):
    """The two submission counters, counted together in Redis, are django-ratelimit's
    own: a channel's ``account_submission_limited`` spends the same per-account budget,
    and past either limit the caller gets a 429 with the window's end."""
    from django.core.cache import caches

    from aduan.accounts.tests.factories import UserFactory
    from aduan.core.errors import RateLimited
    from aduan.core.ratelimit import account_submission_limited, check_submission_rate

    settings.CACHES = {
        "default": {
            "BACKEND": "aduan.core.cache.ResilientRedisCache",
            "LOCATION": private_redis.url,
        }
    }
    settings.ADUAN_SUBMIT_RATE_USER = "3/h"
    settings.ADUAN_SUBMIT_RATE_IP = "100/h"
    user = UserFactory.build(pk=4242)
    request = rf.post("/", REMOTE_ADDR="10.9.8.7")
    try:
        check_submission_rate(request, user=user)
        assert not account_submission_limited(user)  # the second of three
        check_submission_rate(request, user=user)
        with pytest.raises(RateLimited) as refused:
            check_submission_rate(request, user=user)
        assert 0 < refused.value.retry_after <= 3600
        assert account_submission_limited(user)
    finally:
        caches["default"].close()


def _refuse_writes(server, how: str) -> type[Exception]:
    """Make the private Redis refuse writes as a production one may; the error redis-py
    raises then."""
    client = server.client()
    if how == "oom":  # out of memory, with nothing it may evict
        client.config_set("maxmemory-policy", "noeviction")
        client.config_set("maxmemory", 1)
        error: type[Exception] = redis.exceptions.ResponseError
    elif how == "readonly":  # a replica, as after a failover (its primary: nobody)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            nobody = probe.getsockname()[1]
        client.replicaof("127.0.0.1", nobody)
        error = redis.exceptions.ReadOnlyError
    else:  # an ACL without scripts
        client.acl_setuser("default", enabled=True, commands=["-@scripting"])
        error = redis.exceptions.NoPermissionError
    client.close()
    return error


REFUSALS = ["oom", "readonly", "noperm"]


@pytest.mark.parametrize("how", REFUSALS)
def test_a_redis_that_refuses_writes_is_stood_in_for(
    private_redis, redis_cache, how, caplog, monkeypatch
):
    """Reachable but refusing (OOM under noeviction, READONLY, NOPERM on EVAL): Django's
    backend fails the caller; ours counts in this process, and says so once."""
    error = _refuse_writes(private_redis, how)
    with pytest.raises(error):
        private_redis.client().eval("return redis.call('INCR', KEYS[1])", 1, "probe")
    with caplog.at_level(logging.WARNING, logger="aduan.core.cache"):
        # Tried again at every call (RETRY_SECONDS 0), refused each time: counted here.
        assert redis_cache.counters_incr([("a", 60), ("b", 30)]) == [1, 1]
        assert redis_cache.counters_incr([("a", 60)]) == [2]
        # As Redis is then left alone for the interval, an ``add`` refused there and the
        # ``incr`` after it (django-ratelimit's pair) are both this process's: Redis, which
        # still answers reads, is not asked whether the counter exists.
        monkeypatch.setattr(resilient, "RETRY_SECONDS", 600)
        if how != "noperm":  # the ACL refuses scripts only: the rest is still Redis's
            assert redis_cache.add("limit", 1, 60)
            assert redis_cache.incr("limit") == 2
            assert private_redis.client().get(":1:limit") is None
    messages = [record.getMessage() for record in caplog.records]
    assert sum("refuses the command" in message for message in messages) == 1, messages


@pytest.mark.django_db
@pytest.mark.parametrize("how", REFUSALS)
def test_submissions_go_on_while_redis_refuses_writes(private_redis, settings, client, how):
    """A report is never lost to the rate limiter: through the API and the form, each one
    is stored while Redis refuses, and the limit is still counted (here, locally)."""
    from django.core.cache import caches
    from django.urls import reverse

    from aduan.accounts.tests.factories import UserFactory
    from aduan.api.tests.utils import bearer
    from aduan.reports.models import Report

    settings.CACHES = {
        "default": {
            "BACKEND": "aduan.core.cache.ResilientRedisCache",
            "LOCATION": private_redis.url,
        }
    }
    settings.ADUAN_SUBMIT_RATE_USER = "2/h"
    settings.ADUAN_SUBMIT_RATE_IP = "100/h"
    _refuse_writes(private_redis, how)
    payload = {
        "classification": "complaint",
        "title": "Lampu jalan mati di Jalan Merdeka",
        "body": "Sudah dua minggu lampu jalan di depan pasar mati sehingga rawan kejahatan.",
    }
    try:
        headers = bearer(UserFactory())
        for _ in range(2):
            answer = client.post(
                "/api/v1/reports", payload, content_type="application/json", **headers
            )
            assert answer.status_code == 201, answer.content
        answer = client.post("/api/v1/reports", payload, content_type="application/json", **headers)
        assert answer.status_code == 429  # the third, counted in this process
        client.force_login(UserFactory())
        form = {"classification": "complaint", **{k: payload[k] for k in ("title", "body")}}
        for expected in (302, 302, 429):
            assert client.post(reverse("web:report_new"), form).status_code == expected
        assert Report.objects.count() == 4
    finally:
        caches["default"].close()
