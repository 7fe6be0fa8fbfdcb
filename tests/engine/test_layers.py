"""The folders are layers, and imports only go down: pages -> ui -> figures -> engine.

Read from the source with ``ast`` (no module is imported), so the test sees every import,
including the ones inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE, FIGURES, UI, PAGES = "engine", "figures", "ui", "pages"
RANK = {ENGINE: 0, FIGURES: 1, UI: 2, PAGES: 3}


def layer_of(path: Path) -> str:
    parts = path.relative_to(ROOT).parts
    if parts[0] == "compression":
        return FIGURES if parts[1] == "figures" else ENGINE
    if parts[0] == "ui":
        return UI
    return PAGES  # app.py and pages/


def imported_modules(source: str) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
            modules |= {f"{node.module}.{alias.name}" for alias in node.names}
    return modules


def layer_of_module(module: str) -> str | None:
    if module.startswith("compression.figures"):
        return FIGURES
    if module == "compression" or module.startswith("compression."):
        return ENGINE
    if module == "ui" or module.startswith("ui."):
        return UI
    return None


SOURCES = sorted(
    [*ROOT.glob("compression/**/*.py"), *ROOT.glob("ui/**/*.py"), *ROOT.glob("pages/*.py")]
)
SOURCES.append(ROOT / "app.py")


def upward_imports(path: Path, source: str | None = None) -> list[str]:
    here = RANK[layer_of(path)]
    return [
        module
        for module in sorted(imported_modules(path.read_text() if source is None else source))
        if (layer := layer_of_module(module)) is not None and RANK[layer] > here
    ]


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_no_module_imports_from_a_layer_above_its_own():
    upward = {_name(path): found for path in SOURCES if (found := upward_imports(path))}
    assert upward == {}


def test_engine_and_figures_never_use_streamlit():
    below_ui = [path for path in SOURCES if layer_of(path) in (ENGINE, FIGURES)]
    found = {
        _name(path): sorted(
            m for m in imported_modules(path.read_text()) if m.split(".")[0] == "streamlit"
        )
        for path in below_ui
    }
    assert {name: modules for name, modules in found.items() if modules} == {}


def test_the_engine_draws_no_figures():
    engine = [path for path in SOURCES if layer_of(path) == ENGINE]
    found = {
        _name(path): sorted(
            m for m in imported_modules(path.read_text()) if m.split(".")[0] == "plotly"
        )
        for path in engine
    }
    assert {name: modules for name, modules in found.items() if modules} == {}


def test_the_layer_check_sees_an_upward_import_even_inside_a_function():
    source = (
        "import torch\n\ndef f():\n    from ui.controls import keys\n    import compression.size\n"
    )
    assert upward_imports(ROOT / "compression" / "probe.py", source) == [
        "ui.controls",
        "ui.controls.keys",
    ]
    assert upward_imports(ROOT / "ui" / "probe.py", source) == []


def test_the_engine_tests_use_no_streamlit_and_no_ui():
    engine_tests = [*(ROOT / "tests" / "engine").glob("*.py"), ROOT / "tests" / "conftest.py"]
    engine_tests += [ROOT / "tests" / "shared_data.py", ROOT / "tests" / "hostile_files.py"]
    found = {
        _name(path): sorted(
            m
            for m in imported_modules(path.read_text())
            if m.split(".")[0] in ("streamlit", "ui", "app_driver")
        )
        for path in engine_tests
    }
    assert {name: modules for name, modules in found.items() if modules} == {}
