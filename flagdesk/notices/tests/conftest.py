from __future__ import annotations

from typing import Any

import pytest

from flagdesk.accounts.models import User
from flagdesk.platforms.models import Platform

from .factories import make_platform


@pytest.fixture(autouse=True)
def _test_resolver(settings: Any) -> None:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"


@pytest.fixture
def platform(users: dict[str, User]) -> Platform:
    return make_platform(users)
