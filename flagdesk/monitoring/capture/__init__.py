"""Evidence capture: what a reported URL showed, kept so that it can be proven later.

- ``capture``: the service (``run_capture``, ``media_allowed_for``), called by the worker.
- ``browser``: Debian's Chromium, one per worker process, in a thread of its own.
- ``page``: one page in a fresh browser context: load, screenshot, text, DOM.
- ``network``: every request of the page served through the safe fetcher, or refused.
- ``warc``: the exchanges as a gzipped WARC file.

Nothing here is imported at startup: Playwright is loaded only when a capture runs.
"""
