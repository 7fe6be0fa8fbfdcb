"""Hostile checkpoints for the engine and app tests: each is a real ``torch.save`` file that
``torch.load(weights_only=True)`` reads, with one field made wrong, huge or deep."""

from __future__ import annotations

import io
import struct
import warnings
import zipfile

import torch

from compression.files.checkpoint import CHECKPOINT_FORMAT, CHECKPOINT_VERSION
from compression.models import build_model

_PLACEHOLDER = "PLACEHOLDER-FOR-PICKLE-OPCODES"


def mlp_tensors() -> dict[str, torch.Tensor]:
    return {key: value.detach() for key, value in build_model("mlp", seed=0).state_dict().items()}


def checkpoint_file(metadata=None, model="mlp", state=None) -> bytes:
    """A checkpoint with the given metadata, model name and tensors (others: a valid mlp)."""
    buffer = io.BytesIO()
    payload = {
        "format": CHECKPOINT_FORMAT,
        "version": CHECKPOINT_VERSION,
        "model": model,
        "state_dict": mlp_tensors() if state is None else state,
        "metadata": {} if metadata is None else metadata,
    }
    torch.save(payload, buffer)
    return buffer.getvalue()


def with_tensor(key: str, tensor: torch.Tensor) -> bytes:
    """A valid mlp checkpoint whose tensor ``key`` is replaced by ``tensor``."""
    return checkpoint_file(state={**mlp_tensors(), key: tensor})


def expanding(levels: int) -> list:
    """A list of 10^levels texts built from ``levels`` lists: the pickle stores each list
    once and refers back to it, so the file stays small."""
    value = ["x"] * 10
    for _ in range(levels - 1):
        value = [value] * 10
    return value


def nested_history(depth: int) -> bytes:
    """A checkpoint whose ``history`` is lists nested ``depth`` deep (``torch.save`` itself
    would recurse too deep, so the pickle opcodes are written into the file by hand)."""
    plain = checkpoint_file({"history": _PLACEHOLDER})
    opcodes = b"]" * depth + b"a" * (depth - 1)  # push empty lists, append each to the one below
    encoded = b"X" + struct.pack("<I", len(_PLACEHOLDER)) + _PLACEHOLDER.encode()
    source, result = zipfile.ZipFile(io.BytesIO(plain)), io.BytesIO()
    with zipfile.ZipFile(result, "w") as archive:
        for member in source.infolist():
            data = source.read(member)
            if member.filename.endswith("data.pkl"):
                assert data.count(encoded) == 1
                data = data.replace(encoded, opcodes)
            archive.writestr(member.filename, data)
    return result.getvalue()


def bad_checkpoints() -> dict[str, tuple[bytes, str]]:
    """{case: (file bytes, words of the one-line refusal)}: the checkpoints that gave a
    traceback, or a huge message, instead of one line."""
    weight = mlp_tensors()["fc1.weight"]
    with warnings.catch_warnings():  # "sparse CSR tensor support is in beta"
        warnings.simplefilter("ignore")
        csr = weight.to_sparse_csr()
    return {
        "sparse COO weight": (with_tensor("fc1.weight", weight.to_sparse()), "sparse_coo"),
        "sparse CSR weight": (with_tensor("fc1.weight", csr), "sparse_csr"),
        "meta device weight": (
            with_tensor("fc1.weight", torch.empty(weight.shape, device="meta")),
            "meta device",
        ),
        "model is a list": (checkpoint_file(model=["mlp"]), "unknown model a list"),
        "dataset is a list": (checkpoint_file({"dataset": ["mnist"]}), "unknown data set"),
        "dataset is a dict": (checkpoint_file({"dataset": {"mnist": 1}}), "unknown data set"),
        "layers is 5": (checkpoint_file({"compression": {"layers": 5}}), "compression.layers"),
        "settings over 65,535 bytes": (
            checkpoint_file({"compression": {"layers": ["fc1" * 25_000]}}),
            "75,000 characters",
        ),
        "nested 200,000 deep": (nested_history(200_000), "more than 32 levels deep"),
        "expands to 10^7 values": (
            checkpoint_file({"dataset": expanding(7)}),
            "more than 100,000 values",
        ),
        "seed is text": (checkpoint_file({"train_config": {"seed": "abc"}}), "seed"),
        "seed is infinite": (checkpoint_file({"train_config": {"seed": float("inf")}}), "seed"),
        "seed is a list": (checkpoint_file({"train_config": {"seed": [1]}}), "seed"),
        "train config is text": (checkpoint_file({"train_config": "abc"}), "train_config"),
    }
