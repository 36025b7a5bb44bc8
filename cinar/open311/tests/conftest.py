"""The Open311 tests' world (cinar/cases/tests/world.py) plus a client application."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from cinar.cases.tests.world import PERSONAL, World, world_build
from cinar.open311.actions import client_application_create
from cinar.organization.tests.conftest import org  # noqa: F401  (a fixture)

__all__ = ["PERSONAL", "Open311World"]


@dataclass
class Open311World(World):
    client: Any = None
    api_key: str = ""


@pytest.fixture
def world(org) -> Open311World:  # noqa: F811
    base = world_build(org)
    client, key = client_application_create(actor=None, name="Test istemci")
    return Open311World(**vars(base), client=client, api_key=key)
