"""Production settings with the floor's URLs added (``bench/floor.py``)."""

from aduan.config.settings.production import *  # noqa: F403

ROOT_URLCONF = "load.floor_urls"
