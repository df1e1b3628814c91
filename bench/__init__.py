"""Benchmarks: cold starts, warm invocations, the metrics push, the local gateway (see bench/README.md)."""
