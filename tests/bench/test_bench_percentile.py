"""The benchmarks report their 90th percentile by one rule: nearest rank."""

from __future__ import annotations

from bench.percentile import percentile


def test_the_90th_percentile_is_the_smallest_value_with_90_percent_at_or_below_it():
    assert percentile(list(range(1, 11)), 0.9) == 9  # 9 of 10 values are <= 9
    assert percentile(list(range(1, 28)), 0.9) == 25  # 24.3 of 27 needed: rank 25
    assert percentile([3.0, 1.0, 2.0], 0.9) == 3.0  # order of the input does not matter


def test_the_median_rank_and_a_single_value():
    assert percentile([5, 1, 4, 2, 3], 0.5) == 3
    assert percentile([7.5], 0.9) == 7.5
