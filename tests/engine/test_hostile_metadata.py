"""Hostile checkpoint metadata and tensors, and paths that are not files: each is refused
with one short line, quickly, with little memory, and the CLI exits 2 and writes nothing."""

from __future__ import annotations

import os
import time
import tracemalloc

import pytest
import torch
from hostile_files import bad_checkpoints, checkpoint_file, expanding, mlp_tensors

from compression.cli import main
from compression.files.checkpoint import Checkpoint, CheckpointError, load_checkpoint
from compression.files.compact_format import pack_header
from compression.files.export import export_bytes
from compression.files.model_file import load_model_file
from compression.settings import CompressionSettings

BAD = bad_checkpoints()
MESSAGE_LIMIT = 300  # characters of one refusal: a sentence, never the file's contents


def assert_one_short_line(text: str) -> None:
    assert text and "\n" not in text.rstrip("\n") and "Traceback" not in text
    assert len(text) < MESSAGE_LIMIT, text[:MESSAGE_LIMIT]


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_checkpoint_is_refused_with_one_short_line(case):
    data, words = BAD[case]
    with pytest.raises(CheckpointError) as caught:
        load_model_file(data, name="model.pt")
    assert words in str(caught.value)
    assert_one_short_line(str(caught.value))


def test_metadata_expanding_to_10e8_values_is_refused_fast_and_with_little_memory():
    data = checkpoint_file({"dataset": expanding(8)})  # 10^8 texts in about 1 MB
    assert len(data) < 2 * 2**20
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(CheckpointError, match="more than 100,000 values") as caught:
            load_model_file(data)
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seconds < 5 and peak < 16 * 2**20
    assert_one_short_line(str(caught.value))


@pytest.mark.parametrize(
    ("metadata", "words"),
    [
        ({"note": "x" * 5_000}, "5,000 characters"),
        ({"note": ["x" * 4_000] * 300}, "characters of text"),
        ({"weights": torch.zeros(3)}, "only text, numbers"),
        ({"note": {1: "one"}}, "keys must be text"),
        ({"note": 2**70}, "beyond 64 bits"),
        ({"note": [0] * 10_001}, "10,001 entries"),
        ({"history": [{"epoch": "one"}]}, "history[0].epoch"),
        ({"test_accuracy": "high"}, "test_accuracy"),
        ({"command": ["rm"]}, "command must be text"),
        ({"compression": {"prune_sparsity": "abc"}}, "compression.prune_sparsity"),
        ({"compression": {"prune_scope": "everything"}}, "compression.prune_scope"),
        ({"compression": {"per_channel": "yes"}}, "compression.per_channel"),
        ({"compression": {"layers": ["fc9"]}}, "compression.layers"),
        ({"compression": {"colour": 1}}, "unknown setting 'colour'"),
        ({"compression": {"prune_sparsity": 2.0}}, "compression is not valid"),
        ({"train_config": {"seed": -(2**63) - 1}}, "seed"),  # below what torch accepts
        ({"train_config": {"seed": 2**64}}, "beyond 64 bits"),
        ({"train_config": {"seed": True}}, "seed"),
        ({"finetuned_from": 5}, "finetuned_from"),
        ({"train_config": None}, "train_config"),
    ],
)
def test_metadata_of_the_wrong_kind_or_size_is_refused(metadata, words):
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(checkpoint_file(metadata), name="model.pt")
    assert words in str(caught.value)
    assert_one_short_line(str(caught.value))


def test_plain_metadata_within_the_bounds_is_kept_as_it_is():
    metadata = {
        "dataset": "fashion-mnist",
        "train_config": {"seed": 2**63, "epochs": 2, "train_subset": None},
        "history": [{"epoch": 1, "train_loss": float("nan"), "test_accuracy": 0.5}],
        "compression": CompressionSettings(prune_sparsity=0.5, layers=("fc1",)).to_dict(),
        "finetuned_from": {"command": "python -m compression train", "note": [1, 2.5, None]},
        "made by": "hand",
    }
    loaded = load_checkpoint(checkpoint_file(metadata)).metadata
    assert loaded.keys() == metadata.keys() and loaded["made by"] == "hand"


def test_weights_saved_as_parameters_load_as_plain_tensors():
    parameters = {key: torch.nn.Parameter(value) for key, value in mlp_tensors().items()}
    loaded = load_checkpoint(checkpoint_file(state=parameters))
    assert not any(tensor.requires_grad for tensor in loaded.state.values())


def test_a_value_is_quoted_short_and_on_one_line():
    from compression.files.quoting import quoted, shortened

    assert quoted("mnist") == "'mnist'"
    long = quoted("[log in](https://example.com)" * 1000)
    assert len(long) < 80 and long.endswith("(29,000 characters)")
    assert shortened("a\nb\x1b[31m\u202e") == "a\\nb\\x1b[31m\\u202e"
    assert quoted(expanding(9)) == "a list of 10 items"
    assert quoted(10**5000) == "a 16,610-bit whole number"
    assert quoted(torch.zeros(2)) == "a Tensor"


def test_a_chain_of_fine_tunes_keeps_eight_generations_and_stays_readable():
    from compression.files.metadata import ANCESTORS_KEPT, as_parent, checked_metadata

    metadata = {"dataset": "mnist", "history": [{"epoch": 1, "train_loss": 0.1}] * 50}
    for _ in range(40):
        metadata = {**metadata, "finetuned_from": as_parent(metadata)}
    assert checked_metadata(metadata, "mlp") is metadata
    generations, level = 0, metadata
    while isinstance(level.get("finetuned_from"), dict):
        generations, level = generations + 1, level["finetuned_from"]
    assert generations == ANCESTORS_KEPT
    assert level["finetuned_from"] == "(older generations not kept)"


def test_the_compact_writer_refuses_settings_the_reader_would_refuse():
    settings = CompressionSettings(layers=("fc1" * 25_000,))  # 75,000 bytes of JSON
    with pytest.raises(ValueError, match="settings take 75,0"):
        export_bytes("mlp", mlp_tensors(), settings)
    with pytest.raises(ValueError, match="settings take 2,000 bytes"):
        pack_header("mlp", "mnist", b" " * 2_000, [])
    with pytest.raises(ValueError, match="model name"):
        pack_header("m" * 300, "mnist", b"", [])


# --- the command line ---------------------------------------------------------------------------


def command_lines(checkpoint: str, out_folder) -> dict[str, list[str]]:
    return {
        "evaluate": ["evaluate", "--checkpoint", checkpoint],
        "finetune": ["finetune", "--checkpoint", checkpoint, "--prune-sparsity", "0.5",
                     "--epochs", "1", "--train-subset", "100", "--out", f"{out_folder}/f.pt"],
        "export": ["export", "--checkpoint", checkpoint, "--out", f"{out_folder}/e.cxm"],
        "sweep": ["sweep", "--checkpoint", checkpoint, "--method", "prune-sparsity",
                  "--values", "0.5", "--csv", f"{out_folder}/s.csv"],
    }  # fmt: skip


def assert_refused(capsys, argv: list[str], folder, words: str) -> None:
    before = sorted(folder.iterdir())
    assert main(argv) == 2, argv[0]
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: ") and words in captured.err, captured.err[:300]
    assert_one_short_line(captured.err)
    assert sorted(folder.iterdir()) == before


@pytest.mark.parametrize("case", list(BAD))
def test_every_command_refuses_a_bad_checkpoint_with_exit_2_and_one_line(tmp_path, capsys, case):
    data, words = BAD[case]
    path = tmp_path / "model.pt"
    path.write_bytes(data)
    for argv in command_lines(str(path), tmp_path).values():
        assert_refused(capsys, argv, tmp_path, words)


def test_checkpoint_paths_that_are_not_regular_files_get_a_true_line(tmp_path, capsys):
    pipe = tmp_path / "pipe.pt"
    os.mkfifo(pipe)
    folder = tmp_path / "folder.pt"
    folder.mkdir()
    cases = {
        "/dev/zero": "is not a regular file",
        str(pipe): "is not a regular file",  # opening it must not wait for a writer
        str(folder): "is a folder",
        "/proc/self/mem": "cannot be read",
        str(tmp_path / "missing.pt"): "no such file",
        str(tmp_path / "folder.pt" / "inside" / "x.pt"): "no such file",
    }
    for checkpoint, words in cases.items():
        for argv in command_lines(checkpoint, tmp_path).values():
            assert_refused(capsys, argv, tmp_path, words)
        with pytest.raises(CheckpointError, match=words):
            load_checkpoint(checkpoint)


def test_finetune_records_its_source_within_the_bounds(tmp_path, capsys, tiny_mlp_state):
    from compression.files.metadata import ANCESTORS_KEPT

    source = tmp_path / "source.pt"
    deep_record = {"dataset": "mnist"}
    for _ in range(ANCESTORS_KEPT + 3):
        deep_record = {"dataset": "mnist", "finetuned_from": deep_record}
    source.write_bytes(checkpoint_file(deep_record, state=tiny_mlp_state))
    argv = command_lines(str(source), tmp_path)["finetune"]
    assert main(argv) == 0
    capsys.readouterr()
    written = load_checkpoint(tmp_path / "f.pt").metadata
    assert written["finetuned_from"]["dataset"] == "mnist"


def test_a_checkpoint_file_of_good_weights_still_round_trips(tmp_path, tiny_mlp_state):
    from compression.files.checkpoint import save_checkpoint

    path = tmp_path / "model.pt"
    save_checkpoint(path, Checkpoint("mlp", tiny_mlp_state, {"dataset": "mnist"}))
    assert load_model_file(path).metadata == {"dataset": "mnist"}
