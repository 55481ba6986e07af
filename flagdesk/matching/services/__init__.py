"""Business rules of re-upload detection: banks, recording media hashes, matching."""
