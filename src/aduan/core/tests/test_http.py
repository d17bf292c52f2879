"""``client_ip`` behind our proxies: the address every rate limit and the SMS allow-list
count, and that a client must not be able to choose."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from aduan.core.errors import RateLimited
from aduan.core.http import client_ip
from aduan.core.ratelimit import check_submission_rate

PROXY = "127.0.0.1"
CLIENT = "198.51.100.7"
OTHER_CLIENT = "198.51.100.8"
FORGED = "203.0.113.66"
OUTSIDER = "192.0.2.10"


def request(remote: str = PROXY, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    made = RequestFactory().get("/", **extra)
    made.user = AnonymousUser()
    return made


@pytest.fixture
def one_proxy(settings):
    """Production's setting: one proxy on this machine appends the address it saw."""
    settings.ADUAN_TRUSTED_PROXY_COUNT = 1
    settings.ADUAN_FORWARDED_ALLOW_IPS = ["127.0.0.1", "::1"]
    return settings


def test_without_a_proxy_the_header_is_ignored(settings):
    settings.ADUAN_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request(OUTSIDER, forwarded=FORGED)) == OUTSIDER
    assert client_ip(request(PROXY, forwarded=FORGED)) == PROXY


def test_behind_the_proxy_the_address_it_appended_is_the_clients(one_proxy):
    assert client_ip(request(forwarded=CLIENT)) == CLIENT
    # What the client wrote itself is to the left of what the proxy appended.
    assert client_ip(request(forwarded=f"{FORGED}, {CLIENT}")) == CLIENT
    assert client_ip(request(forwarded=f" {FORGED} ,{CLIENT} ")) == CLIENT


def test_behind_two_proxies_the_second_entry_from_the_right(one_proxy):
    one_proxy.ADUAN_TRUSTED_PROXY_COUNT = 2
    assert client_ip(request(forwarded=f"{FORGED}, {CLIENT}, 10.0.0.2")) == CLIENT
    # Fewer entries than proxies: the request skipped one, the header proves nothing.
    assert client_ip(request(forwarded=CLIENT)) == PROXY


def test_a_client_that_reaches_the_app_directly_cannot_choose_its_address(one_proxy):
    assert client_ip(request(OUTSIDER, forwarded=FORGED)) == OUTSIDER
    assert client_ip(request(OUTSIDER, forwarded=f"{FORGED}, {CLIENT}")) == OUTSIDER


def test_without_the_header_the_connection_is_the_client(one_proxy):
    assert client_ip(request(OUTSIDER)) == OUTSIDER
    assert client_ip(request(PROXY, forwarded="")) == PROXY
    assert client_ip(request("")) == "0.0.0.0"  # noqa: S104


def test_proxies_may_be_given_as_networks_or_as_anyone(one_proxy):
    one_proxy.ADUAN_FORWARDED_ALLOW_IPS = ["10.0.0.0/8", "fd00::/8"]
    assert client_ip(request("10.1.2.3", forwarded=CLIENT)) == CLIENT
    assert client_ip(request("fd00::5", forwarded=CLIENT)) == CLIENT
    assert client_ip(request(PROXY, forwarded=CLIENT)) == PROXY
    one_proxy.ADUAN_FORWARDED_ALLOW_IPS = ["*"]
    assert client_ip(request(OUTSIDER, forwarded=CLIENT)) == CLIENT


def test_the_rate_limit_counts_the_client_behind_the_proxy_not_the_proxy(one_proxy):
    one_proxy.ADUAN_SUBMIT_RATE_IP = "1/h"
    one_proxy.ADUAN_SUBMIT_RATE_USER = "100/h"
    check_submission_rate(request(forwarded=CLIENT))
    # Another client behind the same proxy has a budget of its own ...
    check_submission_rate(request(forwarded=OTHER_CLIENT))
    # ... and the first cannot escape its own by writing another address in front.
    with pytest.raises(RateLimited):
        check_submission_rate(request(forwarded=f"{FORGED}, {CLIENT}"))


def test_a_direct_client_cannot_escape_the_rate_limit_with_the_header(one_proxy):
    one_proxy.ADUAN_SUBMIT_RATE_IP = "1/h"
    one_proxy.ADUAN_SUBMIT_RATE_USER = "100/h"
    check_submission_rate(request(OUTSIDER, forwarded=FORGED))
    with pytest.raises(RateLimited):
        check_submission_rate(request(OUTSIDER, forwarded=CLIENT))


def test_a_wrong_proxy_entry_stops_the_start_not_a_request():
    """Settings check the list once: a host name instead of an address is refused when the
    process starts, with the variable named, instead of failing every request."""
    from conftest import run_manage, subprocess_env

    done = run_manage(
        "check", env=subprocess_env(ADUAN_FORWARDED_ALLOW_IPS="proxy.internal,127.0.0.1")
    )
    assert done.returncode != 0
    assert "ADUAN_FORWARDED_ALLOW_IPS" in done.stderr
    assert (
        run_manage("check", env=subprocess_env(ADUAN_FORWARDED_ALLOW_IPS="10.0.0.0/8")).returncode
        == 0
    )
