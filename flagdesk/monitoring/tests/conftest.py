"""Fixtures of the monitoring tests; each lives in its own module and is imported here."""

from .hostile_server import (  # noqa: F401
    hostile_server,
    recording_resolver,
    tls_authority,
    tls_server,
)
