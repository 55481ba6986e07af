"""Bad input: property-based tests of the public form, the API, exports, mail and rate limits."""
