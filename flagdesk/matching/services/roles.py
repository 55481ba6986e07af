"""Who may do what with banks and matches (one place, used by services and views)."""

from __future__ import annotations

from flagdesk.accounts.models import Role

# Read banks, entries and matches; look hashes up.
BANK_READERS = (Role.ANALYST, Role.REVIEWER, Role.COORDINATOR, Role.ADMIN, Role.AUDITOR)
# Upload media for an item and look up matches.
HASHERS = (Role.INTAKE, Role.ANALYST, Role.REVIEWER, Role.COORDINATOR)
# Add an item's hashes to a bank.
BANK_WRITERS = (Role.ANALYST, Role.REVIEWER, Role.COORDINATOR)
# Create, enable/disable and share banks; import and export.
BANK_MANAGERS = (Role.COORDINATOR, Role.ADMIN)
# Remove a false positive.
ENTRY_REMOVERS = (Role.REVIEWER, Role.COORDINATOR, Role.ADMIN)
# Let a match pre-fill the assessment of a new item (four-eyes: a reviewer decides).
PREFILL_GRANTERS = (Role.REVIEWER,)
# See a thumbnail without blur (audited).
UNBLURRERS = (Role.ANALYST, Role.REVIEWER, Role.COORDINATOR)
