"""Agency search ranks the best match first, on the real national directory: the desk
types a place or a short name and expects the government or body itself at the top."""

import pytest

from aduan.agencies.selectors import agency_search
from aduan.agencies.tests.factories import AgencyFactory, UnitFactory

pytestmark = pytest.mark.django_db


def names(q: str, limit: int = 12) -> list[str]:
    return [a.name for a in agency_search(q=q, limit=limit)]


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("Kota Bandung", "Pemerintah Kota Bandung"),
        ("kota bandung", "Pemerintah Kota Bandung"),
        ("bandung", "Pemerintah Kota Bandung"),
        ("Jawa Barat", "Pemerintah Provinsi Jawa Barat"),
        ("PLN", "PT Perusahaan Listrik Negara (Persero)"),
        ("polri", "Kepolisian Negara Republik Indonesia"),
        ("Pemerintah Kota Bandung", "Pemerintah Kota Bandung"),
        ("kota-32.73", "Pemerintah Kota Bandung"),
    ],
)
def test_the_best_match_comes_first_in_the_national_directory(directory, query, first):
    found = names(query)
    assert found[0] == first, found


def test_ranking_happens_before_the_limit(directory):
    # Seven agencies hold "Kota Bandung"; by name the city government was the last one.
    assert len(names("Kota Bandung")) == 7
    assert names("Kota Bandung", limit=1) == ["Pemerintah Kota Bandung"]


def test_exact_then_prefix_then_word_start_then_anywhere():
    anywhere = AgencyFactory(name="Dinas Sosialpasar Kota")  # "pasar" inside a word
    word_start = AgencyFactory(name="Dinas Pasar Kota")
    prefix = AgencyFactory(name="Pasar Induk Kota")
    exact = AgencyFactory(name="Pasar", short_name="PSR")
    unit = UnitFactory(parent=exact, name="Pasar Cabang")
    assert agency_search(q="pasar") == [exact, prefix, unit, word_start, anywhere]
    assert agency_search(q="psr") == [exact]
    # No query: the directory by name, as before.
    assert agency_search()[:2] == [word_start, anywhere]
