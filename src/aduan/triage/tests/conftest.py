import pytest

from aduan.triage import store, text


@pytest.fixture(autouse=True)
def _fresh_triage():
    """No place names from another test's regions, no router loaded by another test."""
    text.place_names.cache_clear()
    store.router_forget()
    yield
    text.place_names.cache_clear()
    store.router_forget()
