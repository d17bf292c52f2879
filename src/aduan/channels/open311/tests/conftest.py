from __future__ import annotations

import pytest

from aduan.accounts.tests.factories import NationalAdminFactory
from aduan.categories.tests.factories import CategoryFactory
from aduan.channels.open311.services import api_key_issue

ROOT = "/open311/v2"
DESCRIPTION = "Lampu jalan di depan pasar padam sejak seminggu, jalan gelap dan rawan kecelakaan."


@pytest.fixture
def categories(db):
    roads = CategoryFactory(code="jalan", name_id="Jalan", name_en="Roads")
    return [
        roads,
        CategoryFactory(
            code="lampu-jalan", name_id="Lampu jalan", name_en="Street lights", parent=roads
        ),
    ]


@pytest.fixture
def issued(db):
    """(key, raw key) issued by the national admin to an organisation."""
    return api_key_issue(actor=NationalAdminFactory(), organisation="Aplikasi Kota Bersih")


@pytest.fixture
def post_data(issued, categories):
    return {
        "api_key": issued[1],
        "service_code": "lampu-jalan",
        "lat": "-6.914744",
        "long": "107.609810",
        "description": DESCRIPTION,
    }
