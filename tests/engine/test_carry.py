"""A control's value carried to another model: a |W| cut keeps the share it removes."""

from __future__ import annotations

import pytest
import torch

from compression.methods import BINARIZE, PRUNE
from compression.methods.carry import carried_value, same_share_cut, share_at_or_below

POSITIONS = [round(0.01 * step, 10) for step in range(201)]  # a slider from 0 to 2


def test_a_cut_on_weights_twice_as_large_doubles():
    old = [torch.linspace(-1, 1, 2001)]
    new = [2 * old[0]]
    cut = same_share_cut(old, 0.3, new, POSITIONS)
    assert cut == pytest.approx(0.6)
    assert share_at_or_below(new, cut) == pytest.approx(share_at_or_below(old, 0.3))


def test_the_share_is_counted_over_all_the_given_layers():
    old = [torch.full((100,), 0.5), torch.full((300,), 1.5)]  # a cut at 1 removes 25%
    new = [torch.linspace(0.001, 2, 1000)]  # |W| uniform: 25% lie below 0.5
    assert share_at_or_below(old, 1.0) == pytest.approx(0.25)
    assert same_share_cut(old, 1.0, new, POSITIONS) == pytest.approx(0.5, abs=0.01)


def test_of_cuts_removing_as_many_the_nearest_the_old_one_is_kept():
    # a retrained model: the removed weights are 0, the rest above 0.3 -> every cut
    # from 0 to 0.29 removes the same weights; the one nearest 0.35 is 0.29
    old = [torch.tensor([0.1, 0.2, 0.31, 0.6, 0.9])]
    new = [torch.tensor([0.0, 0.0, 0.0, 0.3, 0.95])]
    assert share_at_or_below(old, 0.35) == pytest.approx(0.6)
    assert same_share_cut(old, 0.35, new, POSITIONS) == pytest.approx(0.29)


def test_shares_and_multiples_of_mean_w_carry_as_they_are():
    generator = torch.Generator().manual_seed(0)
    old = [torch.randn(50, generator=generator)]
    new = [10 * torch.randn(50, generator=generator)]
    sparsity, binarize = PRUNE.control("prune_sparsity"), BINARIZE.control("binarize_threshold")
    assert carried_value(sparsity, 70, old, new, POSITIONS) == 70
    assert carried_value(binarize, 0.7, old, new, POSITIONS) == 0.7
    threshold = PRUNE.control("prune_threshold")
    assert carried_value(threshold, 0.5, old, new, POSITIONS) != 0.5
