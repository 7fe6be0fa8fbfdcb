"""Fixtures for the browser tests: the real server on a loopback port and a real Chromium.

One server for the whole run (``streamlit run app.py`` with its output in a log
file) serving a private copy of the shipped checkpoints, so a test can check that
nothing is ever written there. Each test gets a new browser context: a new tab
with no cookies, which Streamlit treats as a new person (a new session).
A missing Chromium fails the run with the command that installs it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import live_app  # noqa: E402
from compression.files.model_store import SHARED_MODELS_ENV  # noqa: E402
from ui.state.baselines import CHECKPOINTS_ENV  # noqa: E402
from ui.state.measuring import SLIDER_PREFETCH_ENV  # noqa: E402

TRACEBACK_MARKERS = ("Traceback (most recent call last)", "Uncaught app exception")


def pytest_collection_modifyitems(items):
    """Every browser test starts a real browser against a real server: all are slow."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    try:
        return live_app.chromium_path()
    except FileNotFoundError as error:
        pytest.fail(f"the browser tests need Chromium: {error}", pytrace=False)


@pytest.fixture(scope="session")
def checkpoint_folder(tmp_path_factory) -> Path:
    """A private copy of checkpoints/ that the server reads (and must never write)."""
    folder = tmp_path_factory.mktemp("checkpoints")
    for path in (ROOT / "checkpoints").glob("*.pt"):
        shutil.copy2(path, folder / path.name)
    return folder


@pytest.fixture(scope="session")
def server(tmp_path_factory, checkpoint_folder):
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    # Only the guesses next to a slider are measured ahead: this server lives for the whole
    # run, and measuring every slider the tests touch would keep a core busy under the rest
    # of the suite (the whole-slider worker is tested in tests/test_app_slider_prefetch.py,
    # and bench/browser_latency.py times the app as shipped).
    shared = tmp_path_factory.mktemp("shared-models")  # models put into share links
    env = {
        CHECKPOINTS_ENV: str(checkpoint_folder),
        SLIDER_PREFETCH_ENV: "0",
        SHARED_MODELS_ENV: str(shared),
    }
    running = live_app.start_server(log, env=env)
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def clean_server_log(request):
    """Every browser test also checks that the server logged no traceback while it ran."""
    if "server" not in request.fixturenames:
        yield
        return
    server = request.getfixturevalue("server")
    start = len(server.log_text())
    yield
    added = server.log_text()[start:]
    found = [marker for marker in TRACEBACK_MARKERS if marker in added]
    assert not found, f"the server logged an error during the test:\n{added}"


@pytest.fixture(scope="session")
def browser(chromium_executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_executable, args=live_app.CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def new_tab(browser):
    """A factory of fresh tabs, each its own Streamlit session; all closed after the test."""
    contexts = []

    def open_tab():
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        context.set_default_timeout(120_000)
        contexts.append(context)
        return context.new_page()

    yield open_tab
    for context in contexts:
        context.close()


@pytest.fixture
def tab(new_tab):
    return new_tab()


@pytest.fixture(scope="session")
def shipped_mlp():
    from compression.files.checkpoint import load_checkpoint

    return load_checkpoint(ROOT / "checkpoints" / "mlp-mnist.pt")


@pytest.fixture(scope="session")
def test_digits():
    from compression.data import load_dataset

    data = load_dataset("mnist")
    return data.test_images, data.test_labels
