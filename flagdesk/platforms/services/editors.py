"""Who may change the platform registry."""

from __future__ import annotations

from flagdesk.accounts.policy import Action, roles_for

# Registering platforms, their domains and channels, and their inbound secrets.
REGISTRY_EDITORS = roles_for(Action.REGISTRY_EDIT)
