"""Faults and bad input: an interrupted save keeps the old file, a data file removed while the
app runs gives a message in the page, never a traceback."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
import streamlit as st
from app_driver import PAGES, open_app, problems

from compression import data
from compression.files import checkpoint
from compression.files.checkpoint import (
    Checkpoint,
    atomic_write_bytes,
    load_checkpoint,
    save_checkpoint,
)


class PowerCut(Exception):
    """Stands for anything that stops a write half-way (a crash, a closed tab, Ctrl-C)."""


def test_a_write_interrupted_half_way_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "model.pt"
    target.write_bytes(b"old contents")
    real_fsync = checkpoint.os.fsync

    def cut_power(descriptor):
        real_fsync(descriptor)
        raise PowerCut

    monkeypatch.setattr(checkpoint.os, "fsync", cut_power)
    with pytest.raises(PowerCut):
        atomic_write_bytes(target, b"new contents, only partly written")
    assert target.read_bytes() == b"old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pt"]


def test_an_interrupted_checkpoint_save_leaves_the_previous_checkpoint_loadable(
    tmp_path, monkeypatch, random_mlp_state
):
    target = tmp_path / "mlp.pt"
    save_checkpoint(target, Checkpoint("mlp", random_mlp_state, {"note": "first"}))
    saved = target.read_bytes()

    def interrupted_replace(source, destination):
        raise KeyboardInterrupt  # Ctrl-C just before the new file takes the old one's place

    monkeypatch.setattr(checkpoint.os, "replace", interrupted_replace)
    changed = {key: value + 1 for key, value in random_mlp_state.items()}
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(target, Checkpoint("mlp", changed, {"note": "second"}))
    assert target.read_bytes() == saved
    assert load_checkpoint(target).metadata["note"] == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["mlp.pt"]


@pytest.fixture
def mnist_copy(tmp_path, monkeypatch):
    """The app reads MNIST from a private copy, so a test may delete a file of it."""
    folder = tmp_path / "mnist"
    shutil.copytree(data.DATASETS["mnist"].folder, folder)
    spec = dataclasses.replace(data.DATASETS["mnist"], folder=folder, other_folders=())
    monkeypatch.setitem(data.DATASETS, "mnist", spec)
    data.load_dataset.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield folder
    data.load_dataset.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.mark.parametrize("page", [None, *PAGES])
def test_a_data_file_removed_while_the_app_runs_gives_a_message_not_a_traceback(mnist_copy, page):
    app = open_app(page)
    assert not problems(app)
    (mnist_copy / "t10k-images-idx3-ubyte.gz").unlink()
    # the server's caches empty (a restart, or an eviction): the page must read the files again
    data.load_dataset.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    messages = [e.value for e in app.error]
    assert len(messages) == 1
    assert "MNIST handwritten digits files could not be read" in messages[0]
    assert "t10k-images-idx3-ubyte.gz" in messages[0]
