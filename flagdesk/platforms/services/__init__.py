"""The platform registry's services: platforms and their domains, channels, the registry's
other facts (legal entity, response times...), and its import and export as JSON."""

from __future__ import annotations

from .channels import MANUAL, add_channel, check_channel, notice_channel, set_channels
from .domains import (
    DomainTable,
    add_domains,
    add_platform,
    domain_table,
    platform_for_host,
    platform_for_url,
    registered_domain,
    set_hash_matching,
)
from .editors import REGISTRY_EDITORS
from .registry import clean_facts, new_inbound_secret, update_facts
from .transfer import SEED, ImportResult, export_registry, import_registry

__all__ = [
    "MANUAL",
    "REGISTRY_EDITORS",
    "SEED",
    "DomainTable",
    "ImportResult",
    "add_channel",
    "add_domains",
    "add_platform",
    "check_channel",
    "clean_facts",
    "domain_table",
    "export_registry",
    "import_registry",
    "new_inbound_secret",
    "notice_channel",
    "platform_for_host",
    "platform_for_url",
    "registered_domain",
    "set_channels",
    "set_hash_matching",
    "update_facts",
]
