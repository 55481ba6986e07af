"""Small real servers standing in for the outside world in tests and benchmarks (S23)."""
