"""Output files: only a new file or a regular file is written, and a bad path fails at once.

No test here touches a real device: a FIFO stands for ``/dev/null``. The tests run as root
in CI, where a read-only folder does not stop a write; there, the ``Permission denied``
the kernel gives anyone else is raised by a stand-in for the file creation instead.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile

import pytest

from compression import cli
from compression.cli import main
from compression.files.checkpoint import atomic_write_bytes
from compression.files.output_path import OutputPathError

# -- the write itself: atomic_write_bytes -------------------------------------------------


def test_a_fifo_is_refused_and_stays_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputPathError, match="is a FIFO"):
        atomic_write_bytes(fifo, b"payload")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_a_symbolic_link_is_refused_and_neither_it_nor_its_target_changes(tmp_path):
    target = tmp_path / "real.pt"
    target.write_bytes(b"old")
    link = tmp_path / "link.pt"
    link.symlink_to(target)
    with pytest.raises(OutputPathError, match="is a symbolic link"):
        atomic_write_bytes(link, b"new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == b"old"


def test_a_folder_is_refused_and_kept(tmp_path):
    folder = tmp_path / "models"
    (folder / "inside").mkdir(parents=True)
    with pytest.raises(OutputPathError, match="is a folder"):
        atomic_write_bytes(folder, b"payload")
    assert (folder / "inside").is_dir()


def test_a_path_under_a_file_is_refused_in_one_line(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("notes")
    with pytest.raises(OutputPathError) as refused:
        atomic_write_bytes(readme / "x.pt", b"payload")
    assert str(refused.value) == f"{readme / 'x.pt'}: {readme} is not a folder"
    assert readme.read_text() == "notes"


def test_a_replaced_file_keeps_its_permission_bits(tmp_path):
    private = tmp_path / "private.pt"
    private.write_bytes(b"old")
    private.chmod(0o600)
    atomic_write_bytes(private, b"new")
    assert private.read_bytes() == b"new"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


# -- the command line: checked before the work, every OSError one line --------------------


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if data is read or any training, sweep or compression starts."""

    def started(*args, **kwargs):
        pytest.fail("the work started before the output path was checked")

    for name in ("load_dataset", "train", "finetune", "run_sweep", "compress", "export_bytes"):
        monkeypatch.setattr(cli, name, started)


def commands(checkpoint, out: str) -> dict[str, list[str]]:
    """Each command that writes a file, told to write it at ``out``."""
    ckpt = ["--checkpoint", str(checkpoint)]
    return {
        "train": ["train", "--epochs", "1", "--out", out],
        "finetune": ["finetune", *ckpt, "--epochs", "1", "--out", out],
        "sweep": ["sweep", *ckpt, "--method", "prune-sparsity", "--values", "0.5", "--csv", out],
        "export": ["export", *ckpt, "--out", out],
    }


def bad_output(kind: str, folder) -> tuple[str, str]:
    """A path of the given kind under ``folder``, and a part of the one line that refuses it."""
    if kind == "fifo":
        os.mkfifo(folder / "pipe")
        return str(folder / "pipe"), "is a FIFO (named pipe), not a regular file"
    if kind == "symlink":
        (folder / "real.pt").write_bytes(b"old")
        (folder / "link.pt").symlink_to(folder / "real.pt")
        return str(folder / "link.pt"), "is a symbolic link"
    if kind == "under a file":
        (folder / "README.md").write_text("notes")
        return str(folder / "README.md" / "x.pt"), "README.md is not a folder"
    return "/proc/compression-explorer-test.pt", "cannot write in /proc"


KINDS = ("fifo", "symlink", "under a file", "proc")  # a folder: test_cli_export, test_cli_sweep


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", ["train", "finetune", "sweep", "export"])
def test_a_bad_output_is_refused_before_the_work_in_one_line(
    base_checkpoint, tmp_path, capsys, no_work, command, kind
):
    folder = tmp_path / "out"
    folder.mkdir()
    out, message = bad_output(kind, folder)
    before = {p.name: os.lstat(p).st_mode for p in folder.iterdir()}
    assert main(commands(base_checkpoint, out)[command]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: --") and message in err
    assert {p.name: os.lstat(p).st_mode for p in folder.iterdir()} == before


@pytest.mark.parametrize("command", ["train", "finetune", "sweep", "export"])
def test_a_folder_that_cannot_be_written_is_refused_before_the_work(
    base_checkpoint, tmp_path, capsys, monkeypatch, no_work, command
):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    real_mkstemp = tempfile.mkstemp

    def as_for_anyone_but_root(*args, dir=None, **kwargs):
        root = os.geteuid() == 0  # root ignores the mode: refuse as the kernel does for others
        if root and dir is not None and os.path.samefile(dir, locked):
            raise PermissionError(errno.EACCES, "Permission denied", str(locked))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", as_for_anyone_but_root)
    try:
        code = main(commands(base_checkpoint, str(locked / "model.pt"))[command])
    finally:
        locked.chmod(0o700)
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and f"cannot write in {locked} (Permission denied)" in err
    assert list(locked.iterdir()) == []


@pytest.mark.parametrize(
    ("failing", "code", "reason"),
    [
        ("fsync", errno.ENOSPC, "No space left on device"),
        ("replace", errno.EROFS, "Read-only file system"),
        ("chmod", errno.EPERM, "Operation not permitted"),
    ],
)
def test_an_os_error_while_writing_is_one_line_and_exit_2(
    base_checkpoint, tmp_path, capsys, monkeypatch, failing, code, reason
):
    out = tmp_path / "model.cxm"
    out.write_bytes(b"old")

    def fails(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, failing, fails)
    assert main(["export", "--checkpoint", str(base_checkpoint), "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"error: {out}: {reason}\n"
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.pt", "model.cxm"]
