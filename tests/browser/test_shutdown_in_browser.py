"""Ctrl+C on the server while its background worker measures: the server exits cleanly."""

from __future__ import annotations

import signal
import time

from bench import live_app
from ui.state.baselines import CHECKPOINTS_ENV
from ui.state.measuring import SLIDER_PREFETCH_ENV


def wait_until_busy(server: live_app.Server, timeout: float = 60) -> None:
    """Wait until the server uses over half a core for a quarter of a second."""

    def busy() -> bool:
        before, since = server.cpu_seconds(), time.monotonic()
        time.sleep(0.25)
        return server.cpu_seconds() - before > 0.5 * (time.monotonic() - since)

    live_app.wait_until(busy, timeout, "the background worker to measure", interval=0)


def test_ctrl_c_while_the_worker_measures_exits_cleanly(tmp_path, checkpoint_folder, tab):
    """Before the worker was stopped at exit, this ended in "terminate called without an
    active exception" and exit status -6 (SIGABRT)."""
    env = {CHECKPOINTS_ENV: str(checkpoint_folder), SLIDER_PREFETCH_ENV: "1"}
    server = live_app.start_server(tmp_path / "streamlit.log", env=env)
    try:
        live_app.open_page(tab, server, "pages/3_Prune.py")
        wait_until_busy(server)  # the page is done: only the worker measures now
        server.process.send_signal(signal.SIGINT)
        status = server.process.wait(timeout=60)
    finally:
        server.stop()
    log = server.log_text()
    assert "terminate called" not in log
    assert status == 0, log
