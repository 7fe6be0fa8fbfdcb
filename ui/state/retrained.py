"""Each person's retrained models: the last one per page, kept in their session only."""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st
import torch

from compression.measure import Measurement
from compression.settings import CompressionSettings
from ui.controls import keys
from ui.state.baselines import Baseline

_FINETUNED = keys.FINETUNED


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


def finetuned(page: str, baseline: Baseline) -> FinetuneOutcome | None:
    """This person's last retrained result on ``page`` for ``baseline`` (None if none)."""
    outcome = st.session_state.get(_FINETUNED, {}).get(page)
    return outcome if outcome is not None and outcome.baseline_key == baseline.key else None


def keep_finetuned(page: str, outcome: FinetuneOutcome) -> None:
    """Keep ``outcome`` as this person's retrained result on ``page`` (replacing the last)."""
    st.session_state.setdefault(_FINETUNED, {})[page] = outcome
