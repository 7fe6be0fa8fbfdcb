"""The sidebar menu: the home page, then every ``pages/<n>_<Title>.py`` in number order.

Streamlit routes the files of ``pages/`` itself; this module only draws the menu,
with readable names and icons. A new page is a new file in ``pages/``: its title
comes from the file name (``5_What_if.py`` -> "What if"), its icon from
:data:`ICONS` (or a default).
"""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parent.parent
PAGES_DIR = ROOT / "pages"
_PAGE_FILE = re.compile(r"^(\d+)_(.+)\.py$")

ICONS = {
    "Home": ":material/home:",
    "Train": ":material/model_training:",
    "Binarize": ":material/exposure:",
    "Prune": ":material/content_cut:",
    "Quantize": ":material/stairs:",
    "Share weights": ":material/hub:",
    "Combine": ":material/join_inner:",
    "What if": ":material/query_stats:",
    "Learn": ":material/school:",
    "Draw": ":material/draw:",
    "Iterative pruning": ":material/cycle:",
    "Compare": ":material/compare:",
}
DEFAULT_ICON = ":material/article:"


def page_files(folder: Path = PAGES_DIR) -> list[tuple[str, str]]:
    """(path relative to the app, title) of every numbered page file, in number order."""
    found = []
    for path in folder.glob("*.py"):
        match = _PAGE_FILE.match(path.name)
        if match:
            title = match.group(2).replace("_", " ")
            found.append((int(match.group(1)), f"{folder.name}/{path.name}", title))
    return [(path, title) for _, path, title in sorted(found)]


def icon_for(title: str) -> str:
    return ICONS.get(title, DEFAULT_ICON)


def page_path(title: str) -> str:
    """The file of the page called ``title`` (``"Prune"`` -> ``"pages/3_Prune.py"``)."""
    return next(path for path, name in page_files() if name == title)


def sidebar_menu() -> None:
    """Links to the home page and every page, in the sidebar."""
    with st.sidebar:
        st.page_link("app.py", label="Home", icon=icon_for("Home"))
        for path, title in page_files():
            st.page_link(path, label=title, icon=icon_for(title))
        st.divider()
