"""Each person's retrained models: the last one per page, kept in their session only.

A retrained model also becomes one of this person's baselines (its key starts with
:data:`RETRAINED_PREFIX`), so every page can compress it further.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st
import torch

from compression.measure import Measurement
from compression.settings import CompressionSettings
from ui.controls import keys
from ui.state.baselines import Baseline

_FINETUNED = keys.FINETUNED
RETRAINED_PREFIX = "retrained:"  # the key of a baseline made by retraining here


@dataclass(frozen=True)
class FinetuneOutcome:
    """A compressed model retrained by this person (its weights hold the compression)."""

    baseline_key: str
    settings: CompressionSettings
    state: dict[str, torch.Tensor] = field(repr=False)
    history: tuple[dict, ...]
    before: Measurement = field(repr=False)  # the compressed model before retraining
    after: Measurement = field(repr=False)  # the retrained model
    checkpoint: bytes = field(default=b"", repr=False)  # the retrained model as a file
    retrained_key: str = ""  # the retrained model's key among this person's baselines
    reference_accuracy: float = float("nan")  # the uncompressed model it came from


def finetuned(page: str, baseline: Baseline) -> FinetuneOutcome | None:
    """This person's last retrained result on ``page`` for ``baseline``, the model it came
    from or the retrained model itself (None if none)."""
    outcome = st.session_state.get(_FINETUNED, {}).get(page)
    if outcome is None or baseline.key not in (outcome.baseline_key, outcome.retrained_key):
        return None
    return outcome


def is_retrained(baseline: Baseline) -> bool:
    """Whether ``baseline`` was made by retraining here (its metadata is then ours)."""
    return baseline.key.startswith(RETRAINED_PREFIX)


def keep_finetuned(page: str, outcome: FinetuneOutcome) -> None:
    """Keep ``outcome`` as this person's retrained result on ``page`` (replacing the last)."""
    st.session_state.setdefault(_FINETUNED, {})[page] = outcome
