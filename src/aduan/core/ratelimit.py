"""Rate limits shared by every interface, on top of django-ratelimit's counters.

The counters live in the default cache: Redis in production, the database in the
embedded default, so every web process sees the same count.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import (
    EXPIRATION_FUDGE,
    _get_window,
    _make_cache_key,
    _split_rate,
    get_usage,
    is_ratelimited,
)

from .errors import RateLimited
from .http import client_ip

# A 429 without a known window end says to wait this long (the shortest window in use).
DEFAULT_RETRY_AFTER = 60


def rate_spent(request: HttpRequest, *, group: str, key, rate: str) -> int | None:
    """Count one use in ``group`` for ``key``; past ``rate``, the seconds until its window
    ends (what the 429's Retry-After says), else None."""
    usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, int(usage["time_left"])) if usage["time_left"] > 0 else DEFAULT_RETRY_AFTER


def rates_spent(request: HttpRequest, counters: list[tuple[str, object, str]]) -> list[int | None]:
    """``rate_spent`` for each (group, key, rate) in ``counters``: the same counters (the
    keys and windows are django-ratelimit's), counted in one round trip when the cache is
    Redis (``counters_incr``), else one ``rate_spent`` after the other."""
    cache = caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]
    if not hasattr(cache, "counters_incr") or not getattr(settings, "RATELIMIT_ENABLE", True):
        return [rate_spent(request, group=g, key=key, rate=rate) for g, key, rate in counters]
    windows, timeouts = [], []
    for group, key, rate in counters:
        limit, period = _split_rate(rate)
        value = key(group, request)
        window = _get_window(value, period)
        windows.append((limit, window))
        timeouts.append(
            (_make_cache_key(group, window, rate, value, ALL), period + EXPIRATION_FUDGE)
        )
    counts = cache.counters_incr(timeouts)
    now = int(time.time())
    return [
        (max(1, window - now) if window > now else DEFAULT_RETRY_AFTER) if count > limit else None
        for (limit, window), count in zip(windows, counts, strict=True)
    ]


def retry_after_value(seconds: int | None) -> str:
    """A 429's Retry-After: the seconds known, else ``DEFAULT_RETRY_AFTER``."""
    return str(seconds or DEFAULT_RETRY_AFTER)


def retry_after_header(seconds: int | None) -> dict[str, str]:
    return {"Retry-After": retry_after_value(seconds)}


def _ip_key(group: str, request: HttpRequest) -> str:
    return client_ip(request)


def _user_key(group: str, request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    return f"u{user.pk}" if user is not None and user.is_authenticated else client_ip(request)


def check_submission_rate(request: HttpRequest, *, user=None) -> None:
    """Count one submission for the caller's account and address; raise ``RateLimited`` past
    ``ADUAN_SUBMIT_RATE_USER`` or ``ADUAN_SUBMIT_RATE_IP``.

    ``user`` is for interfaces (token-authenticated API) where ``request.user`` is not the
    account that acts (unset, or the session's ``AnonymousUser``).
    """
    if user is not None and not getattr(getattr(request, "user", None), "is_authenticated", False):
        request.user = user
    waits = rates_spent(
        request,
        [
            ("report-submit-user", _user_key, settings.ADUAN_SUBMIT_RATE_USER),
            ("report-submit-ip", _ip_key, settings.ADUAN_SUBMIT_RATE_IP),
        ],
    )
    if any(waits):
        raise RateLimited(retry_after=max(w for w in waits if w))


def account_submission_limited(user) -> bool:
    """Count one submission in ``user``'s per-account budget (the same counter as
    ``check_submission_rate``'s) and say whether it is spent. For channels (X, e-mail),
    where the address the request came from is the gateway's, so it is not counted."""
    return is_ratelimited(
        HttpRequest(),
        group="report-submit-user",
        key=lambda _group, _request: f"u{user.pk}",
        rate=settings.ADUAN_SUBMIT_RATE_USER,
        increment=True,
    )
