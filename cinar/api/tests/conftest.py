"""The API tests' world: see cinar/cases/tests/world.py."""

from __future__ import annotations

import pytest

from cinar.cases.tests.world import World, world_build
from cinar.organization.tests.conftest import org  # noqa: F401  (a fixture)


@pytest.fixture
def world(org) -> World:  # noqa: F811
    return world_build(org)
