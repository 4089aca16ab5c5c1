from __future__ import annotations

import pytest

from .factories import AgencyFactory


@pytest.fixture
def agency(db):
    return AgencyFactory()
