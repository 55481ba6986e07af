"""Who may do what with banks and matches: names for rows of the permission table
(``flagdesk.accounts.policy``), used by services and views."""

from __future__ import annotations

from flagdesk.accounts.policy import Action, roles_for

# Read banks, entries and matches; look hashes up.
BANK_READERS = roles_for(Action.BANK_READ)
# Upload media for an item and look up matches.
HASHERS = roles_for(Action.HASH)
# Add an item's hashes to a bank.
BANK_WRITERS = roles_for(Action.BANK_WRITE)
# Create, enable/disable and share banks; import and export.
BANK_MANAGERS = roles_for(Action.BANK_MANAGE)
# Remove a false positive.
ENTRY_REMOVERS = roles_for(Action.ENTRY_REMOVE)
# Let a match pre-fill the assessment of a new item (four-eyes: a reviewer decides).
PREFILL_GRANTERS = roles_for(Action.PREFILL_GRANT)
# See a thumbnail without blur (audited).
UNBLURRERS = roles_for(Action.UNBLUR)
# Look a hash up in the banks.
LOOKUP_ROLES = roles_for(Action.LOOKUP)
