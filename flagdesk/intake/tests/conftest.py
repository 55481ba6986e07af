from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fixed_dns(settings: Any) -> None:
    """Hosts resolve from flagdesk.core.testing's table: ``private.test`` is private."""
    settings.URL_RESOLVER = "flagdesk.core.testing.test_resolver"
