"""Encryption keys: where they live (``ring``), what they encrypt (``stores``), how many values
each key holds (``census``) and moving data to the newest key (``reencrypt``).

docs/operations.md ("Keys and encryption") describes the rotation an operator runs.
"""
