"""Checkpoints round-trip, and hostile or broken files are refused without running code."""

import io
import os
import pickle

import pytest
import torch

from compression.files.checkpoint import (
    Checkpoint,
    CheckpointError,
    checkpoint_bytes,
    load_checkpoint,
    save_checkpoint,
)
from compression.models import build_model


@pytest.fixture
def checkpoint():
    state = {k: v.clone() for k, v in build_model("mlp", seed=1).state_dict().items()}
    return Checkpoint("mlp", state, {"seed": 1, "history": [{"epoch": 1, "train_loss": 0.5}]})


def test_a_saved_checkpoint_loads_back_identically(tmp_path, checkpoint):
    path = tmp_path / "model.pt"
    save_checkpoint(path, checkpoint)
    loaded = load_checkpoint(path)
    assert loaded.model_name == "mlp" and loaded.metadata == checkpoint.metadata
    assert all(torch.equal(loaded.state[k], v) for k, v in checkpoint.state.items())
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    assert oct(path.stat().st_mode & 0o777) != oct(0o600)  # readable like any saved file


def test_it_loads_with_plain_torch_load_weights_only(tmp_path, checkpoint):
    path = tmp_path / "model.pt"
    save_checkpoint(path, checkpoint)
    payload = torch.load(path, weights_only=True)
    assert payload["model"] == "mlp" and "fc1.weight" in payload["state_dict"]


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_a_pickle_that_would_run_code_is_refused_and_runs_nothing(tmp_path):
    marker = str(tmp_path / "pwned")
    buffer = io.BytesIO()
    torch.save({"format": "x", "payload": _RunsCode(marker)}, buffer)
    with pytest.raises(CheckpointError, match="refused"):
        load_checkpoint(buffer.getvalue())
    assert not os.path.exists(marker)
    with pytest.raises(CheckpointError):
        load_checkpoint(pickle.dumps(_RunsCode(marker)))
    assert not os.path.exists(marker)


@pytest.mark.parametrize("cut", [0, 10, 1000, -100])
def test_truncated_checkpoints_are_refused(checkpoint, cut):
    data = checkpoint_bytes(checkpoint)
    with pytest.raises(CheckpointError, match="not a checkpoint file"):
        load_checkpoint(data[:cut])


def test_random_bytes_are_refused():
    with pytest.raises(CheckpointError, match="upload: not a checkpoint file"):
        load_checkpoint(os.urandom(4096), name="upload")


def test_a_plain_state_dict_is_not_mistaken_for_a_checkpoint():
    buffer = io.BytesIO()
    torch.save(build_model("mlp").state_dict(), buffer)
    with pytest.raises(CheckpointError, match="not a Compression Explorer checkpoint"):
        load_checkpoint(buffer.getvalue())


def test_shapes_that_do_not_match_the_model_are_refused(checkpoint):
    checkpoint.state["fc2.weight"] = torch.zeros(100, 299)
    with pytest.raises(CheckpointError, match=r"fc2.weight has shape \(100, 299\)"):
        load_checkpoint(checkpoint_bytes(checkpoint))


def test_non_finite_weights_and_unknown_models_are_refused(checkpoint):
    checkpoint.state["fc3.bias"] = torch.full((10,), float("nan"))
    with pytest.raises(CheckpointError, match="finite float32"):
        load_checkpoint(checkpoint_bytes(checkpoint))
    with pytest.raises(CheckpointError, match="unknown model 'resnet'"):
        load_checkpoint(checkpoint_bytes(Checkpoint("resnet", {}, {})))


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CheckpointError, match="no such file"):
        load_checkpoint(tmp_path / "nothing.pt")
