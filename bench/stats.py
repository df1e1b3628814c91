"""Statistics of samples (standard library only: the Lambda-like child processes import this too)."""
from __future__ import annotations

import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); q in [0, 100]."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: Sequence[float], *, scale: float = 1.0, digits: int = 2) -> dict[str, float | int]:
    """median/p90/p95/p99/mean/min/max of `values` × `scale`, rounded."""
    scaled = [value * scale for value in values]
    return {
        "n": len(scaled),
        "median": round(statistics.median(scaled), digits),
        "p90": round(percentile(scaled, 90), digits),
        "p95": round(percentile(scaled, 95), digits),
        "p99": round(percentile(scaled, 99), digits),
        "mean": round(statistics.fmean(scaled), digits),
        "min": round(min(scaled), digits),
        "max": round(max(scaled), digits),
    }
