"""The figures are numbers in, plotly out: importing any of them must not load torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIGURE_MODULES = sorted(
    f"compression.figures.{path.stem}"
    for path in (PROJECT_ROOT / "compression" / "figures").glob("*.py")
    if path.stem != "__init__"
)
CHECK = """
import importlib, sys
sys.path.insert(0, sys.argv[1])
importlib.import_module(sys.argv[2])
loaded = sorted(name for name in sys.modules if name.split(".")[0] in ("torch", "torchvision"))
sys.exit(f"importing {sys.argv[2]} loaded {loaded[:3]}" if loaded else 0)
"""


def test_every_figure_module_is_checked():
    assert "compression.figures.image_grid" in FIGURE_MODULES
    assert len(FIGURE_MODULES) >= 8


@pytest.mark.parametrize("module", FIGURE_MODULES)
def test_importing_a_figure_module_leaves_torch_unloaded(module):
    # A fresh interpreter: this test process has long since imported torch.
    result = subprocess.run(
        [sys.executable, "-c", CHECK, str(PROJECT_ROOT), module],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stderr
