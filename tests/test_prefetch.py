"""The background worker: runs guesses newest first, once per key, and never piles them up."""

from __future__ import annotations

import logging
import threading

from ui.prefetch import Prefetcher


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

    with caplog.at_level(logging.ERROR, logger="ui.prefetch"):
        prefetcher.submit("bad", fail)
        assert prefetcher.wait_until_idle(10)
    assert "Background measurement 'bad' failed" in caplog.text
    assert "no such layer" in caplog.text
    prefetcher.submit("good", lambda: ran.append("good"))
    assert prefetcher.wait_until_idle(10)
    assert ran == ["good"]
