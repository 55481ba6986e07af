"""A fixed DNS table for tests and demos: ``*.test`` and the demo's fictional hosts.

Network tests only ever target 127.0.0.1, so hosts are resolved from this table instead of
DNS. Hosts named ``private*.test`` or ``loopback*.test`` resolve to non-public addresses to
exercise the SSRF checks; every other ``*.test`` host gets a public address that nothing
connects to (classification only).
"""

from __future__ import annotations

TABLE: dict[str, list[str]] = {}


def test_resolver(host: str) -> list[str]:
    host = host.lower()
    if host in TABLE:
        return TABLE[host]
    if host.endswith(".test"):
        if host.startswith("private"):
            return ["10.1.2.3"]
        if host.startswith("loopback"):
            return ["127.0.0.1", "::1"]
        return ["93.184.215.14"]
    return []
