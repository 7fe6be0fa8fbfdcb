"""The background worker: runs guesses newest first, once per key, never piles them up, and
has ended before the interpreter finalizes."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from pathlib import Path

from ui.state.prefetch import Prefetcher

ROOT = Path(__file__).resolve().parents[2]


def _blocked(prefetcher: Prefetcher) -> threading.Event:
    """Occupy the worker until the returned event is set."""
    release = threading.Event()
    started = threading.Event()

    def hold() -> None:
        started.set()
        release.wait(10)

    prefetcher.submit("hold", hold)
    assert started.wait(10)
    return release


def test_tasks_run_in_the_background_and_the_worker_goes_idle():
    prefetcher, done = Prefetcher(), []
    assert prefetcher.submit("a", lambda: done.append(threading.current_thread().name))
    assert prefetcher.wait_until_idle(10)
    assert len(done) == 1 and done[0].startswith("prefetch")


def test_the_newest_waiting_task_runs_first():
    prefetcher, order = Prefetcher(), []
    release = _blocked(prefetcher)
    for key in ("older", "newer", "newest"):
        prefetcher.submit(key, lambda key=key: order.append(key))
    release.set()
    assert prefetcher.wait_until_idle(10)
    assert order == ["newest", "newer", "older"]


def test_a_key_waiting_or_running_is_not_queued_twice():
    prefetcher, runs = Prefetcher(), []
    release = _blocked(prefetcher)
    assert not prefetcher.submit("hold", lambda: runs.append("hold again"))  # running
    assert prefetcher.submit("a", lambda: runs.append("a"))
    assert not prefetcher.submit("a", lambda: runs.append("a again"))  # waiting
    release.set()
    assert prefetcher.wait_until_idle(10)
    assert runs == ["a"]
    assert prefetcher.submit("a", lambda: runs.append("a later"))  # done: may run again
    assert prefetcher.wait_until_idle(10)


def test_only_the_newest_guesses_wait_when_many_arrive():
    prefetcher, ran = Prefetcher(max_pending=2), []
    release = _blocked(prefetcher)
    for key in range(5):
        prefetcher.submit(key, lambda key=key: ran.append(key))
    release.set()
    assert prefetcher.wait_until_idle(10)
    assert ran == [4, 3]  # 0, 1 and 2 were dropped, oldest first


def test_a_failing_task_is_logged_and_the_worker_goes_on(caplog):
    prefetcher, ran = Prefetcher(), []

    def fail() -> None:
        raise RuntimeError("no such layer")

    with caplog.at_level(logging.ERROR, logger="ui.state.prefetch"):
        prefetcher.submit("bad", fail)
        assert prefetcher.wait_until_idle(10)
    assert "Background measurement 'bad' failed" in caplog.text
    assert "no such layer" in caplog.text
    prefetcher.submit("good", lambda: ran.append("good"))
    assert prefetcher.wait_until_idle(10)
    assert ran == ["good"]


def test_a_slider_s_other_positions_run_after_the_guesses_nearest_first():
    prefetcher, order = Prefetcher(quiet=0), []
    release = _blocked(prefetcher)
    prefetcher.submit_background([(key, lambda key=key: order.append(key)) for key in "xyz"])
    prefetcher.submit("guess", lambda: order.append("guess"))
    release.set()
    assert prefetcher.wait_until_idle(10)
    assert order == ["guess", "x", "y", "z"]


def test_the_newest_slider_goes_first_and_a_position_is_queued_once():
    prefetcher, order = Prefetcher(quiet=0), []
    release = _blocked(prefetcher)
    assert prefetcher.submit_background([(k, lambda k=k: order.append(k)) for k in "abc"]) == 3
    assert prefetcher.submit_background([(k, lambda k=k: order.append(k)) for k in "xcx"]) == 1
    release.set()
    assert prefetcher.wait_until_idle(10)
    assert order == ["x", "c", "a", "b"]


def test_a_position_measured_in_the_background_is_not_queued_again():
    prefetcher, runs = Prefetcher(quiet=0), []
    prefetcher.submit_background([("a", lambda: runs.append("a"))])
    assert prefetcher.wait_until_idle(10)
    assert prefetcher.submit_background([("a", lambda: runs.append("a again"))]) == 0
    assert prefetcher.wait_until_idle(10)
    assert runs == ["a"]


def test_a_position_that_failed_may_be_queued_again(caplog):
    prefetcher, runs = Prefetcher(quiet=0), []

    def fail() -> None:
        raise RuntimeError("out of memory")

    with caplog.at_level(logging.ERROR, logger="ui.state.prefetch"):
        prefetcher.submit_background([("a", fail)])
        assert prefetcher.wait_until_idle(10)
    assert prefetcher.submit_background([("a", lambda: runs.append("a"))]) == 1
    assert prefetcher.wait_until_idle(10)
    assert runs == ["a"]


def test_the_waiting_positions_are_bounded_the_farthest_of_the_oldest_dropped():
    prefetcher, ran = Prefetcher(quiet=0, max_background=3), []
    release = _blocked(prefetcher)
    prefetcher.submit_background([(k, lambda k=k: ran.append(k)) for k in ("a1", "a2", "a3")])
    prefetcher.submit_background([(k, lambda k=k: ran.append(k)) for k in ("b1", "b2")])
    release.set()
    assert prefetcher.wait_until_idle(10)
    assert ran == ["b1", "b2", "a1"]


def test_a_slider_s_positions_wait_until_no_page_has_measured_for_a_while():
    prefetcher, ran = Prefetcher(quiet=0.5), []
    prefetcher.submit_background([("far", lambda: ran.append(time.monotonic()))])
    with prefetcher.page_working():
        time.sleep(0.1)
    measured = time.monotonic()
    prefetcher.submit("guess", lambda: ran.append("guess"))
    assert prefetcher.wait_until_idle(10)
    assert ran[0] == "guess"  # a guess does not wait
    assert ran[1] - measured >= 0.5


def test_a_page_asking_for_a_slider_s_positions_counts_as_work():
    prefetcher, ran = Prefetcher(quiet=0.5), []
    asked = time.monotonic()
    prefetcher.submit_background([("far", lambda: ran.append(time.monotonic()))])
    assert prefetcher.wait_until_idle(10)
    assert ran[0] - asked >= 0.5


def test_nothing_new_starts_while_a_page_measures():
    prefetcher, ran = Prefetcher(quiet=0), []
    with prefetcher.page_working():
        prefetcher.submit("guess", lambda: ran.append("guess"))
        prefetcher.submit_background([("far", lambda: ran.append("far"))])
        assert not prefetcher.wait_until_idle(0.3)
        assert ran == []
    assert prefetcher.wait_until_idle(10)
    assert ran == ["guess", "far"]


def test_stop_drops_the_waiting_tasks_and_waits_for_the_running_one():
    prefetcher, ran = Prefetcher(quiet=0), []
    release = _blocked(prefetcher)
    prefetcher.submit("guess", lambda: ran.append("guess"))
    prefetcher.submit_background([("far", lambda: ran.append("far"))])
    assert not prefetcher.stop(timeout=0.2)  # "hold" still runs: the wait is bounded
    release.set()
    assert prefetcher.stop(timeout=10)  # the worker has ended
    assert prefetcher.wait_until_idle(0)
    assert ran == []  # the waiting tasks were dropped
    assert not prefetcher.submit("new", lambda: ran.append("new"))
    assert prefetcher.submit_background([("new far", lambda: ran.append("new far"))]) == 0
    assert ran == []


def test_stop_without_a_worker_returns_at_once():
    assert Prefetcher().stop(timeout=0)


EXIT_DURING_TORCH_WORK = """
import threading, time
import torch
from ui.state.prefetch import Prefetcher

started = threading.Event()

def multiply():  # about a second of matrix products, each one outside the GIL
    started.set()
    matrix = torch.rand(300, 300)
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        matrix @ matrix
    print("the running task finished", flush=True)

prefetcher = Prefetcher()
prefetcher.submit("torch", multiply)
assert started.wait(60)
prefetcher.submit("waiting", lambda: print("a waiting task ran", flush=True))
# the script ends here, with the worker inside torch and one task waiting
"""


def test_a_process_that_exits_while_the_worker_runs_torch_exits_cleanly():
    """Before the stop at exit this aborted: "terminate called without an active exception",
    exit status 134 (SIGABRT), as the app's server did on Ctrl+C."""
    done = subprocess.run(
        [sys.executable, "-c", EXIT_DURING_TORCH_WORK],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "terminate called" not in done.stderr
    assert done.returncode == 0, done.stderr
    assert "the running task finished" in done.stdout
    assert "a waiting task ran" not in done.stdout
