"""Staff pages for banks, look-ups and matches."""
