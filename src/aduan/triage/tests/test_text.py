"""The router's reading of complaint text: abbreviations, boilerplate, stems, places."""

import pytest

from aduan.regions.tests.factories import ProvinceFactory, RegencyFactory
from aduan.triage import text


def test_abbreviations_are_written_out_and_boilerplate_dropped():
    expanded = text.expand("Kpd Yth Bpk, tlg jln yg rusak dgn lubang blm diperbaiki. Terima kasih")
    assert expanded.split() == [
        "bapak", "tolong", "jalan", "yang", "rusak", "dengan", "lubang", "belum", "diperbaiki",
    ]  # fmt: skip
    assert "kasih" not in expanded
    assert "yth" not in text.expand("Yth. Dinas PU, mohon ditindaklanjuti")


def test_tokens_are_stems_without_stop_words_or_masks():
    found = text.tokens("Saya sdh mengurus perbaikan [***] jalanan tapi tdk dilayani")
    assert found == ["urus", "baik", "jalan", "tidak", "layan"]


@pytest.mark.django_db
def test_a_place_name_is_a_location_signal_not_a_topic_word():
    text.place_names.cache_clear()
    province = ProvinceFactory(code="33", name="JAWA TENGAH")
    RegencyFactory(parent=province, code="33.74", name="KOTA SEMARANG")
    RegencyFactory(parent=province, code="33.22", name="KABUPATEN SEMARANG")
    RegencyFactory(parent=province, code="33.75", name="KOTA PEKALONGAN")
    try:
        places = text.place_names()
        found = text.tokens("Jalan rusak di Kota Semarang dan Pekalongan, Jawa Tengah", places)
        assert found == ["jalan", "rusak", "loc_33.74", "loc_33.75", "loc_33"]
        # A bare name two places share is their province.
        assert text.tokens("banjir di semarang", places) == ["banjir", "loc_33"]
        assert text.document("Banjir", "di semarang").split() == ["banjir", "banjir", "loc_33"]
    finally:
        text.place_names.cache_clear()


@pytest.mark.django_db
def test_signals_become_single_tokens_after_the_text():
    assert text.signal("chose_Dinas PU Kota Semarang") == "chose_dinas_pu_kota_semarang"
    assert text.signal("region_33.74") == "region_33.74"
    assert text.signal(" ") == ""
    text.place_names.cache_clear()
    try:
        found = text.document("Jalan", "rusak", ["channel_sms", "chose_BPJS Kesehatan", "!"])
    finally:
        text.place_names.cache_clear()
    assert found.split() == ["jalan", "jalan", "rusak", "channel_sms", "chose_bpjs_kesehatan"]
