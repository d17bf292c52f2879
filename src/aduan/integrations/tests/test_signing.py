"""The signature scheme, for any body, secret and time (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from aduan.integrations.signing import (
    TOLERANCE_SECONDS,
    signature_headers,
    signature_verify,
)

secrets_ = st.text(min_size=1, max_size=80)
bodies = st.binary(max_size=2000)
stamps = st.integers(min_value=0, max_value=4_000_000_000)


@given(secret=secrets_, body=bodies, stamp=stamps, skew=st.integers(-300, 300))
def test_what_we_sign_verifies_within_the_tolerance(secret, body, stamp, skew):
    headers = signature_headers(secret=secret, body=body, timestamp=stamp)
    assert headers["X-Aduan-Signature"].startswith("sha256=")
    assert signature_verify(
        secret=secret,
        body=body,
        timestamp=headers["X-Aduan-Timestamp"],
        signature=headers["X-Aduan-Signature"],
        now=stamp + skew,
    )


@given(secret=secrets_, body=bodies, stamp=stamps, data=st.data())
def test_any_change_breaks_it(secret, body, stamp, data):
    headers = signature_headers(secret=secret, body=body, timestamp=stamp)
    signature = headers["X-Aduan-Signature"]
    other_body = data.draw(bodies.filter(lambda b: b != body))
    other_secret = data.draw(secrets_.filter(lambda s: s != secret))
    late = data.draw(st.integers(TOLERANCE_SECONDS + 1, 10**6))
    common = {"timestamp": str(stamp), "signature": signature, "now": stamp}
    assert not signature_verify(secret=secret, body=other_body, **common)
    assert not signature_verify(secret=other_secret, body=body, **common)
    assert not signature_verify(
        secret=secret, body=body, timestamp=str(stamp), signature=signature, now=stamp + late
    )
    assert not signature_verify(
        secret=secret, body=body, timestamp=str(stamp + 1), signature=signature, now=stamp
    )


@given(timestamp=st.one_of(st.none(), st.text(max_size=12)), signature=st.text(max_size=80))
def test_garbage_headers_are_refused_not_raised(timestamp, signature):
    assert not signature_verify(
        secret="whsec_x", body=b"{}", timestamp=timestamp, signature=signature, now=0
    )


@given(
    timestamp=st.integers(min_value=10**20, max_value=10**4000).map(str)
    | st.sampled_from(["-" + "9" * 400, "1e400", "nan", "inf", "١٧٦٧٢٢٥٦٠٠"]),
    signature=st.text(max_size=80) | st.just("sha256=\ud800"),
)
def test_huge_or_strange_timestamps_and_signatures_are_refused_not_raised(timestamp, signature):
    """A receiver's clock is a float: a timestamp too large for one overflowed (500 in the
    receiver), and a signature that is not encodable text raised instead of failing."""
    assert not signature_verify(
        secret="whsec_x", body=b"{}", timestamp=timestamp, signature=signature, now=1767225600.5
    )
    assert not signature_verify(
        secret="whsec_x", body=b"{}", timestamp="1767225600", signature=signature, now=1767225600.5
    )
