"""The papers script's recipe plumbing: cache keys that ignore default fields, and the
further cuts that end at the recipe's kept fractions. Tiny random data, one epoch."""

from __future__ import annotations

from types import SimpleNamespace

import torch

from bench.reproduce_papers import (
    HAN,
    LAYERS,
    Lab,
    Recut,
    Retraining,
    described,
    nonzero_fractions,
)
from compression.models import module_for
from compression.settings import CompressionSettings

HELD = CompressionSettings(prune_threshold=0.0)


def test_fields_left_at_their_defaults_do_not_change_a_stage_s_cache_key():
    plain = Retraining(HELD, 3, 1e-3, distill=True)
    spelled = Retraining(HELD, 3, 1e-3, distill=True, batch_size=128, temperature=4.0, alpha=0.9)
    assert described(plain) == described(spelled)
    assert "batch_size" not in described(plain)
    assert described(Retraining(HELD, 3, 1e-3, batch_size=256)) != described(plain)


def test_further_cuts_end_at_the_recipe_s_kept_fractions_and_are_cached(tmp_path):
    torch.manual_seed(0)
    base = {k: v.detach().clone() for k, v in module_for("mlp").state_dict().items()}
    images = torch.rand(64, 1, 28, 28)
    data = SimpleNamespace(train_images=images, train_labels=torch.randint(0, 10, (64,)))
    lab = Lab(data, base, tmp_path)
    start = (("fc1", 1.0), ("fc2", 1.0), ("fc3", 1.0))
    recipe = Recut(start, (("fc1", 0.1), ("fc2", 0.2), ("fc3", 0.5)), cuts=2, epochs=1, lr=1e-3)
    state, _ = lab.recut("further", base, HAN, recipe)
    kept = nonzero_fractions(state)
    assert abs(kept["fc1"] - 0.1) < 0.01
    assert abs(kept["fc2"] - 0.2) < 0.01
    assert abs(kept["fc3"] - 0.5) < 0.01
    again, _ = lab.recut("further", base, HAN, recipe)  # from the cache file, not retrained
    assert all(torch.equal(state[f"{name}.weight"], again[f"{name}.weight"]) for name in LAYERS)
    assert len(list(tmp_path.glob("further-*.pt"))) == 1
