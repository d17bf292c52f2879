import pytest

from aduan.agencies.loaders import agencies_load_directory
from aduan.regions.loaders import regions_load


@pytest.fixture
def directory(db):
    """Regions down to districts, and the whole agency directory, as load_directory does."""
    regions_load(villages=False)
    return agencies_load_directory()
