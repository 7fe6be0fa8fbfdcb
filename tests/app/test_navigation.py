"""The sidebar menu lists the home page and every numbered page file, in number order."""

from __future__ import annotations

from app_driver import PAGES, open_app

from ui.navigation import DEFAULT_ICON, ICONS, icon_for, page_files, page_path


def test_page_files_are_found_in_number_order_with_readable_titles(tmp_path):
    for name in ("10_Learn.py", "2_Binarize.py", "5_What_if.py", "helper.py", "1_Train.py"):
        (tmp_path / name).write_text("")
    assert page_files(tmp_path) == [
        (f"{tmp_path.name}/1_Train.py", "Train"),
        (f"{tmp_path.name}/2_Binarize.py", "Binarize"),
        (f"{tmp_path.name}/5_What_if.py", "What if"),
        (f"{tmp_path.name}/10_Learn.py", "Learn"),
    ]


def test_the_shipped_pages_are_all_in_the_menu():
    assert [path for path, _ in page_files()] == PAGES
    assert page_path("Prune") == "pages/3_Prune.py"
    assert icon_for("Prune") == ICONS["Prune"] and icon_for("Anything else") == DEFAULT_ICON


def test_every_page_shows_the_menu_in_its_sidebar():
    app = open_app("pages/3_Prune.py")
    links = [element for element in app.sidebar if element.type == "page_link"]
    labels = [link.proto.label for link in links]
    assert labels == [
        "Home", "Train", "Binarize", "Prune", "Quantize", "Share weights", "Combine",
        "What if", "Learn", "Draw", "Iterative pruning", "Compare",
    ]  # fmt: skip
