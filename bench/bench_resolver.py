"""The resolver of the re-check benchmark (``FLAGDESK_URL_RESOLVER=bench_resolver.resolve``).

Why a resolver of its own and not ``flagdesk.core.testing.test_resolver``: that one gives every
``*.test`` host a documentation address that nothing answers on, while the benchmark needs 50
distinct host names (so that per-host politeness has 50 hosts to spread over) that all reach
its one local server. Only ``*.bench.test`` resolves, to 127.0.0.1; everything else does not
resolve, so no benchmark fetch can leave the machine. The worker processes import it through
``PYTHONPATH=bench/``.
"""

from __future__ import annotations

SUFFIX = ".bench.test"
LOOPBACK = "127.0.0.1"


def resolve(host: str) -> list[str]:
    """127.0.0.1 for ``*.bench.test``; no address for any other name."""
    name = host.lower().rstrip(".")
    return [LOOPBACK] if name.endswith(SUFFIX) else []
