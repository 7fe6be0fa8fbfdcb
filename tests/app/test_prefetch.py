"""The background worker: runs guesses newest first, once per key, and never piles them up."""

from __future__ import annotations

import logging
import threading
import time

from ui.state.prefetch import Prefetcher


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
