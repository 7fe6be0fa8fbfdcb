"""The page list: the home page, then every ``pages/<n>_<Title>.py`` in number order.

A new page is a new file in ``pages/``; its title comes from the file name
(``5_What_if.py`` -> "What if") and its icon from :data:`ICONS` (or a default).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES_DIR = ROOT / "pages"
HOME = ROOT / "home.py"
_PAGE_FILE = re.compile(r"^(\d+)_(.+)\.py$")

ICONS = {
    "Home": ":material/home:",
    "Train": ":material/model_training:",
    "Binarize": ":material/exposure:",
    "Prune": ":material/content_cut:",
    "Combine": ":material/join_inner:",
}
DEFAULT_ICON = ":material/article:"


def page_files(folder: Path = PAGES_DIR) -> list[tuple[Path, str]]:
    """(path, title) of every numbered page file, in number order."""
    found = []
    for path in folder.glob("*.py"):
        match = _PAGE_FILE.match(path.name)
        if match:
            found.append((int(match.group(1)), path, match.group(2).replace("_", " ")))
    return [(path, title) for _, path, title in sorted(found)]


def icon_for(title: str) -> str:
    return ICONS.get(title, DEFAULT_ICON)
