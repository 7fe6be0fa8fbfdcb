"""Helpers to drive the app with Streamlit's AppTest and read what a person would read."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import torch
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
PAGES = [
    "pages/1_Train.py",
    "pages/2_Binarize.py",
    "pages/3_Prune.py",
    "pages/3_Quantize.py",
    "pages/3_Share_weights.py",
    "pages/4_Combine.py",
    "pages/5_What_if.py",
    "pages/6_Learn.py",
    "pages/7_Draw.py",
    "pages/8_Iterative_pruning.py",
    "pages/9_Compare.py",
]
TIMEOUT = 300  # seconds per script run; generous because the CPU is shared


def open_app(page: str | None = None) -> AppTest:
    """A new session (a new browser tab): open the home page, then ``page`` if given."""
    app = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    if page is not None:
        app.switch_page(page).run()
    return app


def problems(app: AppTest) -> list[str]:
    """Exceptions and error messages on screen (a page that works shows none)."""
    return [str(e.value) for e in app.exception] + [str(e.value) for e in app.error]


def metrics(app: AppTest) -> dict[str, str]:
    """{label: shown value} of the metrics in the main area."""
    return {metric.label: metric.value for metric in app.main.metric}


def baseline_shown(app: AppTest) -> dict[str, str]:
    """{label: shown value} of the sidebar's baseline line, "Baseline accuracy: **98.30 %** ·
    Float32 size: **1,066.4 KB**"."""
    line = next(c.value for c in app.sidebar.caption if c.value.startswith("Baseline accuracy:"))
    return dict(
        (label, value.strip("*")) for label, value in (p.split(": ", 1) for p in line.split(" · "))
    )


def number(text: str) -> float:
    """The first number in ``text``: ``"1,066.4 KB"`` -> 1066.4, ``"-0.42 pts"`` -> -0.42."""
    match = re.search(r"[-+]?\d[\d,]*(?:\.\d+)?", text)
    if match is None:
        raise ValueError(f"no number in {text!r}")
    return float(match.group().replace(",", ""))


def metric_help(app: AppTest, label: str) -> str:
    return next(metric.proto.help for metric in app.main.metric if metric.label == label)


def exact_size(app: AppTest) -> int:
    """The compressed size in bytes, from the hover help of the "Compressed size" metric."""
    return int(number(metric_help(app, "Compressed size")))


def slider(app: AppTest, label_start: str):
    return next(s for s in app.slider if s.label.startswith(label_start))


def chart_spec(app: AppTest, key_end: str) -> dict:
    """The Plotly JSON of the first chart whose element id contains ``key_end``."""
    chart = next(c for c in app.get("plotly_chart") if c.proto.id.endswith(key_end) or
                 key_end in c.proto.id)  # fmt: skip
    return json.loads(chart.proto.spec)


def chart_array(value) -> torch.Tensor:
    """A plotly array from a chart's JSON: a nested list or a typed binary block."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = [int(n) for n in str(value.get("shape", len(flat))).split(",")]
        value = flat.reshape(shape)
    return torch.tensor(np.asarray(value, dtype=np.float32))
