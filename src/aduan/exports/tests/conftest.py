# The staff workspaces' people, agencies and frozen clock (aduan.web.tests.conftest).
from aduan.web.tests.conftest import (  # noqa: F401
    agency,
    citizen,
    fresh_storage,
    frozen,
    other_citizen,
    people,
    region_tree,
    unit,
)
