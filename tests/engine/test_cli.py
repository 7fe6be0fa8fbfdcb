"""The command line: one real end-to-end run, and bad arguments refused in one line."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "compression", *args],
        cwd=cwd, capture_output=True, text=True, timeout=600,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    done = run_cli(
        "train", "--model", "mlp", "--epochs", "2", "--train-subset", "3000", "--seed", "1",
        "--out", "base.pt", cwd=folder,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return folder


@pytest.mark.slow
def test_train_evaluate_finetune_end_to_end(trained):
    assert (trained / "base.pt").is_file()
    done = run_cli("evaluate", "--checkpoint", "base.pt", "--json", cwd=trained)
    assert done.returncode == 0, done.stderr
    baseline = json.loads(done.stdout)
    assert baseline["params"] == baseline["nonzero_params"] == 266_610
    assert baseline["size_bytes"] == {"dense_fp32": 1_066_440, "compressed": 1_066_440}
    assert 0.85 < baseline["accuracy"] <= 1.0

    args = ["--prune-sparsity", "0.9", "--binarize-threshold", "0.7"]
    done = run_cli("evaluate", "--checkpoint", "base.pt", "--json", *args, cwd=trained)
    compressed = json.loads(done.stdout)
    assert set(compressed) >= {
        "accuracy", "loss", "params", "nonzero_params", "sparsity", "size_bytes",
        "compression_ratio", "layers",
    }  # fmt: skip
    assert [layer["name"] for layer in compressed["layers"]] == ["fc1", "fc2", "fc3"]
    for layer in compressed["layers"]:
        assert set(layer) >= {
            "name",
            "shape",
            "params",
            "sparsity",
            "bits_per_weight",
            "size_bytes",
        }
        assert layer["bits_per_weight"] < 2
    assert compressed["compression_ratio"] > 30
    assert 0.89 < compressed["sparsity"] < 0.9  # 90% of weights; biases (410) are kept

    done = run_cli(
        "finetune", "--checkpoint", "base.pt", *args, "--epochs", "1", "--train-subset", "3000",
        "--out", "tuned.pt", cwd=trained,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = run_cli("evaluate", "--checkpoint", "tuned.pt", "--json", cwd=trained)
    tuned = json.loads(done.stdout)
    assert tuned["accuracy"] > compressed["accuracy"]  # retraining recovered accuracy
    # the baked-in ternary weights are counted as ternary, not as sparse float32
    assert [layer["values"] for layer in tuned["layers"]] == ["ternary"] * 3
    assert tuned["compression_ratio"] > 30


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["evaluate", "--checkpoint", "base.pt", "--prune-sparsity", "1.5"], "between 0.0 and 1.0"),
        (["evaluate", "--checkpoint", "base.pt", "--prune-threshold", "-1"], ">= 0.0"),
        (["evaluate", "--checkpoint", "base.pt", "--layers", "fc9"], "unknown layer fc9"),
        (["evaluate", "--checkpoint", "base.pt", "--binarize-threshold", "x"], "must be a number"),
        (["evaluate", "--checkpoint", "nothing.pt"], "no such file"),
        (["evaluate", "--checkpoint", "notes.txt"], "not a model file"),
        (["finetune", "--checkpoint", "base.pt", "--prune-sparsity", "2", "--out", "new.pt"],
         "between 0.0 and 1.0"),
        (["finetune", "--checkpoint", "notes.txt", "--out", "new.pt"], "not a model file"),
        (["train", "--model", "vgg", "--out", "new.pt"], "invalid choice"),
        (["train", "--epochs", "0", "--out", "new.pt"], "at least 1"),
    ],
)  # fmt: skip
def test_bad_arguments_exit_2_with_one_line_and_write_nothing(trained, args, message):
    (trained / "notes.txt").write_text("not a model")
    before = sorted(p.name for p in trained.iterdir())
    done = run_cli(*args, cwd=trained)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr
    assert sorted(p.name for p in trained.iterdir()) == before
