"""Benchmarks: `make bench` runs them on loopback, prints one table and writes bench/RESULTS.md."""
