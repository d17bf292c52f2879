from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aduan.core.text import as_pk, storable, storable_tree


@given(st.text(), st.booleans())
def test_the_result_encodes_to_utf8_and_holds_no_control_character(value, one_line):
    text = storable(value, one_line=one_line)
    text.encode("utf-8")  # a lone surrogate would raise here
    allowed = set() if one_line else {"\t", "\n", "\r"}
    assert not any((ord(c) < 32 or 0x7F <= ord(c) <= 0x9F) and c not in allowed for c in text)


def test_examples():
    assert storable("a\x00b\ud800c\x85d") == "ab\ufffdcd"
    assert storable("baris 1\nbaris 2\tx") == "baris 1\nbaris 2\tx"
    assert storable("baris 1\nbaris 2", one_line=True) == "baris 1baris 2"
    assert storable(None) == ""
    assert storable("Jalan rusak ✓ 🙂 Pondok Indah") == "Jalan rusak ✓ 🙂 Pondok Indah"


def test_storable_tree_cleans_every_string_value_and_nothing_else():
    upload = object()
    tree = {
        "title": "Jalan\x00 rusak",
        "tags": ["a\ud800", 3, None, {"deep": "b\x01c"}],
        "file": upload,
        "n": 1.5,
        "key\x00": True,  # keys are names the schema knows, or ignored
    }
    assert storable_tree(tree) == {
        "title": "Jalan rusak",
        "tags": ["a\ufffd", 3, None, {"deep": "bc"}],
        "file": upload,
        "n": 1.5,
        "key\x00": True,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7, 7),
        (" 42 ", 42),
        ("42", 42),
        (True, None),
        (0, None),
        (-3, None),
        ("4.5", None),
        ("x", None),
        (None, None),
        (2**63, None),
        (2**63 - 1, 2**63 - 1),
    ],
)
def test_as_pk_takes_only_what_can_be_a_primary_key(value, expected):
    assert as_pk(value) == expected
