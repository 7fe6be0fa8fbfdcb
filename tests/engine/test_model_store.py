"""The store of shared models: kept by content hash, bounded, atomic, and hostile input refused."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
import torch

from compression.files import checkpoint as checkpoint_module
from compression.files import model_store
from compression.files.checkpoint import Checkpoint, checkpoint_bytes
from compression.files.model_file import MAX_MODEL_FILE_BYTES
from compression.files.model_store import ModelStore, ModelStoreError, is_model_key
from compression.models import build_model


def model_bytes(seed: int, metadata: dict | None = None) -> bytes:
    state = {k: v.detach().clone() for k, v in build_model("mlp", seed=seed).state_dict().items()}
    return checkpoint_bytes(Checkpoint("mlp", state, metadata or {"dataset": "mnist"}))


@pytest.fixture(scope="module")
def files() -> list[bytes]:
    """Four different checkpoint files of the same size."""
    return [model_bytes(seed) for seed in range(4)]


def stored_files(folder) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_a_stored_model_loads_back_with_the_same_weights_and_metadata(tmp_path):
    data = model_bytes(7, {"dataset": "mnist", "train_config": {"seed": 7, "epochs": 2}})
    store = ModelStore(tmp_path)
    key = store.put(data)
    assert key == hashlib.sha256(data).hexdigest() and len(key) == 64
    assert stored_files(tmp_path) == [f"{key}.pt"]  # no temporary file left behind
    loaded = store.load(key)
    expected = build_model("mlp", seed=7).state_dict()
    assert loaded.model_name == "mlp"
    assert all(torch.equal(loaded.state[name], expected[name]) for name in expected)
    assert loaded.metadata["train_config"] == {"seed": 7, "epochs": 2}
    assert store.put(data) == key and stored_files(tmp_path) == [f"{key}.pt"]  # stored once


def test_the_store_outlives_the_object_that_wrote_it(tmp_path, files):
    key = ModelStore(tmp_path).put(files[0])
    again = ModelStore(tmp_path)  # a restarted server: a new store on the same folder
    assert again.get(key) is not None and again.keys() == [key]


def test_the_default_folder_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(model_store.SHARED_MODELS_ENV, str(tmp_path / "shared"))
    assert model_store.default_folder() == tmp_path / "shared"
    monkeypatch.delenv(model_store.SHARED_MODELS_ENV)
    assert model_store.default_folder() == model_store.DEFAULT_FOLDER


def test_the_least_recently_used_file_goes_first_when_the_count_is_reached(tmp_path, files):
    store = ModelStore(tmp_path, max_files=2)
    first, second = store.put(files[0]), store.put(files[1])
    assert store.get(first) is not None  # reading marks it as used: second is now the oldest
    third = store.put(files[2])
    assert store.keys() == [first, third]
    assert store.get(second) is None
    fourth = store.put(files[3])
    assert store.keys() == [third, fourth] and len(list(tmp_path.iterdir())) == 2


def test_the_total_bytes_are_bounded(tmp_path, files):
    size = len(files[0])
    store = ModelStore(tmp_path, max_bytes=int(2.5 * size))
    keys = [store.put(data) for data in files]
    assert store.keys() == keys[-2:]
    assert sum(path.stat().st_size for path in tmp_path.iterdir()) <= 2.5 * size


def test_a_file_over_the_limit_is_refused_and_nothing_is_written(tmp_path, files):
    assert ModelStore(tmp_path).max_file_bytes == MAX_MODEL_FILE_BYTES == 8 * 2**20
    store = ModelStore(tmp_path, max_file_bytes=len(files[0]) - 1)
    with pytest.raises(ModelStoreError, match="too big"):
        store.put(files[0])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "key",
    ["../x", "", "a" * 63, "a" * 65, "A" * 64, "../" + "a" * 61, "a" * 63 + "\n", "٣" * 64,
     "g" * 64, "a" * 64 + ".pt", "/etc/passwd", None, 12],
)  # fmt: skip
def test_a_malformed_key_is_refused_before_any_path_is_made(tmp_path, key):
    store = ModelStore(tmp_path / "store")
    assert not is_model_key(key)
    with pytest.raises(ModelStoreError, match="64 hex digits"):
        store.path(key)
    with pytest.raises(ModelStoreError, match="64 hex digits"):
        store.load(key)
    assert store.get(key) is None


def test_an_unknown_key_gives_none_and_a_clear_error(tmp_path):
    store = ModelStore(tmp_path)
    assert store.get("0" * 64) is None
    with pytest.raises(ModelStoreError, match="no model with this key is kept"):
        store.load("0" * 64)


def test_a_corrupted_file_gives_none_not_a_crash(tmp_path, files):
    store = ModelStore(tmp_path)
    key = store.put(files[0])
    path = tmp_path / f"{key}.pt"
    damaged = bytearray(files[0])
    damaged[len(damaged) // 2] ^= 0xFF
    path.write_bytes(bytes(damaged))
    assert store.get(key) is None
    with pytest.raises(ModelStoreError, match="hash does not match"):
        store.load(key)
    path.write_bytes(b"")
    assert store.get(key) is None
    assert store.put(files[0]) == key and store.get(key) is not None  # storing again repairs it


class _RunsCode:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_a_file_that_hashes_right_but_is_not_a_checkpoint_is_refused_unrun(tmp_path):
    marker = str(tmp_path / "ran")
    buffer = io.BytesIO()
    torch.save({"format": "x", "payload": _RunsCode(marker)}, buffer)
    hostile = buffer.getvalue()
    key = hashlib.sha256(hostile).hexdigest()
    (tmp_path / f"{key}.pt").write_bytes(hostile)  # as if someone wrote into the folder
    with pytest.raises(ModelStoreError, match="refused"):
        ModelStore(tmp_path).load(key)
    assert not os.path.exists(marker)


@pytest.mark.parametrize("kind", ["symlink", "folder"])
def test_a_path_that_is_not_a_regular_file_is_never_written_over(tmp_path, files, kind):
    key = hashlib.sha256(files[0]).hexdigest()
    target = tmp_path / f"{key}.pt"
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep me")
    if kind == "symlink":
        target.symlink_to(elsewhere)
    else:
        target.mkdir()
    store = ModelStore(tmp_path)
    with pytest.raises(ModelStoreError, match="cannot store"):
        store.put(files[0])
    assert elsewhere.read_text() == "keep me"
    assert target.is_symlink() if kind == "symlink" else target.is_dir()
    assert store.get(key) is None  # and it is not read through either
    assert store.keys() == []


def test_a_failed_write_leaves_no_partial_file(tmp_path, files, monkeypatch):
    store = ModelStore(tmp_path)

    def disk_full(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoint_module.os, "fsync", disk_full)
    with pytest.raises(ModelStoreError, match="No space left"):
        store.put(files[0])
    assert list(tmp_path.iterdir()) == []  # neither the entry nor a temporary file
    monkeypatch.undo()
    key = store.put(files[0])
    assert store.get(key) is not None


def test_two_writers_of_the_same_model_leave_one_whole_file(tmp_path, files):
    one, other = ModelStore(tmp_path), ModelStore(tmp_path)
    assert one.put(files[1]) == other.put(files[1])
    assert len(list(tmp_path.iterdir())) == 1
    assert one.get(model_store.model_key(files[1])) is not None


def test_files_that_are_not_entries_are_left_alone(tmp_path, files):
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / f".{'a' * 64}.pt.123.tmp").write_bytes(b"half")
    store = ModelStore(tmp_path, max_files=1)
    store.put(files[0])
    store.put(files[1])
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert len([p for p in tmp_path.iterdir() if p.name.endswith(".pt")]) == 1
