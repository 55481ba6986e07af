"""Re-upload detection: signal types, media hashing, hash banks, the index and exchange formats."""
