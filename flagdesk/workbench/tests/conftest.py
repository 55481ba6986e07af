from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _test_resolver(settings: Any) -> None:
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
