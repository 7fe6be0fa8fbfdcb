"""The one 90th-percentile rule every benchmark here reports."""

from __future__ import annotations


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``share`` of values <= it."""
    ordered = sorted(values)
    return ordered[max(0, int(-(-share * len(ordered) // 1)) - 1)]
