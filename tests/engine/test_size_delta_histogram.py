"""Delta-code sizes from a run-length histogram equal the per-width counts exactly."""

from __future__ import annotations

import torch

from compression.size import DELTA_WIDTHS, delta_bits, delta_bits_by_width, zero_runs


def test_histogram_count_equals_delta_bits_for_every_width():
    generator = torch.Generator().manual_seed(0)
    for density in (0.9, 0.5, 0.1, 0.01, 0.0005):
        flat = torch.rand(50_000, generator=generator) < density
        runs = zero_runs(flat)
        expected = [delta_bits(runs, width) for width in DELTA_WIDTHS]
        assert delta_bits_by_width(runs, DELTA_WIDTHS) == expected, density


def test_hand_worked_runs():
    runs = torch.tensor([0, 4, 9])  # entries: 3 nonzeros + sum(run // (2^b - 1)) escapes
    assert delta_bits_by_width(runs, range(1, 5)) == [1 * 16, 2 * 7, 3 * 4, 4 * 3]


def test_no_nonzero_means_no_delta_entries():
    runs = zero_runs(torch.zeros(100, dtype=torch.bool))
    assert delta_bits_by_width(runs, range(1, 4)) == [0, 0, 0]
