"""Who may change the platform registry."""

from __future__ import annotations

from flagdesk.accounts.models import Role

# Registering platforms, their domains and channels, and their inbound secrets.
REGISTRY_EDITORS = (Role.COORDINATOR, Role.ADMIN)
