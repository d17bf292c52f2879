from hypothesis import given
from hypothesis import strategies as st

from aduan.core.tracking import ALPHABET, LENGTH, new_tracking_id, normalise_tracking_id


def test_new_ids_use_the_unambiguous_alphabet():
    ids = {new_tracking_id() for _ in range(2000)}
    assert len(ids) == 2000
    for tracking_id in ids:
        assert len(tracking_id) == LENGTH
        assert set(tracking_id) <= set(ALPHABET)
        assert not set(tracking_id) & set("01OILU")


def test_normalise_accepts_what_people_type():
    tracking_id = new_tracking_id()
    typed = f" {tracking_id[:5].lower()}-{tracking_id[5:]} "
    assert normalise_tracking_id(typed) == tracking_id


@given(st.text(max_size=20))
def test_normalise_returns_a_valid_id_or_none(raw):
    result = normalise_tracking_id(raw)
    assert result is None or (len(result) == LENGTH and set(result) <= set(ALPHABET))
