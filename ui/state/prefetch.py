"""Work done ahead, in the background, while a person looks at the page.

One worker thread for the whole server process runs the tasks one at a time, so ten
people dragging at once add at most one measurement's worth of background work. It
runs at the page runs' priority: a lower one made a page that waits for a guess in
progress wait longer (measured with ``bench/browser_latency.py``). Two lanes:

- *guesses* (:meth:`Prefetcher.submit`): the positions a slider is likely to take
  next. The newest runs first; when more than ``max_pending`` wait, the oldest is
  dropped (a guess for a position the person has already left is worth the least).
- *the rest of a slider* (:meth:`Prefetcher.submit_background`): every other position,
  nearest first, run only when no guess waits. The newest list goes to the front;
  past ``max_background`` waiting tasks the oldest are dropped. A key that finished
  here is remembered (the last ``max_done``) and not queued here again.

A key that is queued or running is not queued again. While a page measures something
itself (:meth:`Prefetcher.page_working`), the worker starts nothing new: the person
waiting gets the cores. A slider's other positions also wait until no page has measured
or asked for them for ``quiet`` seconds, so they run while people look, not while their
pages load (a new tab took 8.5 s instead of 6 s to show when they did not wait).

At interpreter exit (Ctrl+C on the server, the end of a test run) :meth:`Prefetcher.stop`
drops the waiting tasks and waits for the running one. The worker must have ended before
the interpreter finalizes: Python 3.11 ends a daemon thread that wakes up then with
``pthread_exit``, and unwinding through torch's C++ frames aborts the whole process
("terminate called without an active exception", SIGABRT).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator

MAX_PENDING = 6  # waiting guesses; a step on one slider asks for up to three
MAX_BACKGROUND = 1_000  # waiting slider positions: a few sliders' worth
MAX_DONE = 4_000  # slider positions remembered as measured in the background
QUIET_SECONDS = 5.0  # pages quiet this long: a slider's other positions may run
# At exit, the longest wait for the task running then: many times one measurement (0.4 s for
# the mlp, 2 s for the cnn on 10,000 images on a shared 2-core machine).
STOP_SECONDS = 30.0

_LOGGER = logging.getLogger(__name__)

Task = Callable[[], object]


class Prefetcher:
    """A one-thread queue of keyed tasks in two lanes: guesses first, then the rest."""

    def __init__(
        self,
        max_pending: int = MAX_PENDING,
        max_background: int = MAX_BACKGROUND,
        max_done: int = MAX_DONE,
        quiet: float = QUIET_SECONDS,
    ):
        self._max_pending, self._max_background = max_pending, max_background
        self._max_done, self._quiet = max_done, quiet
        self._page_worked = -float("inf")  # time.monotonic() of a page's last sign of work
        self._changed = threading.Condition()
        self._guesses: OrderedDict[Hashable, Task] = OrderedDict()
        self._background: OrderedDict[Hashable, Task] = OrderedDict()
        self._done: OrderedDict[Hashable, None] = OrderedDict()  # finished in the background
        self._running: Hashable | None = None
        self._pages_working = 0
        self._idle = threading.Event()
        self._idle.set()
        self._worker: threading.Thread | None = None
        self._stopping = False
        atexit.register(self.stop)  # before the interpreter finalizes: see the module's note

    def submit(self, key: Hashable, task: Task) -> bool:
        """Queue a guess; False if that key is already queued or running, or after :meth:`stop`."""
        with self._changed:
            if self._stopping or key == self._running or key in self._guesses:
                return False
            self._background.pop(key, None)  # a guess now: it runs sooner
            self._guesses[key] = task
            while len(self._guesses) > self._max_pending:
                self._guesses.popitem(last=False)  # the oldest guess
            self._wake()
        return True

    def submit_background(self, tasks: Iterable[tuple[Hashable, Task]]) -> int:
        """Queue ``(key, task)`` pairs, first first, ahead of older ones; how many are new
        (none after :meth:`stop`).

        A page asks at the end of its run, so this counts as its work for ``quiet``.
        """
        with self._changed:
            if self._stopping:
                return 0
            self._page_worked = time.monotonic()
            fresh = [
                (key, task)
                for key, task in tasks
                if key not in self._done and key != self._running and key not in self._guesses
            ]
            added = len({key for key, _ in fresh if key not in self._background})
            for key, task in reversed(fresh):
                self._background[key] = task
                self._background.move_to_end(key, last=False)
            while len(self._background) > self._max_background:
                self._background.popitem(last=True)  # the oldest list's farthest position
            if fresh:
                self._wake()
        return added

    @contextlib.contextmanager
    def page_working(self) -> Iterator[None]:
        """While inside, the worker starts no new task (one already running goes on)."""
        with self._changed:
            self._pages_working += 1
        try:
            yield
        finally:
            with self._changed:
                self._pages_working -= 1
                self._page_worked = time.monotonic()
                self._changed.notify_all()

    def wait_until_idle(self, timeout: float | None = None) -> bool:
        """Block until no task waits or runs (for tests and benchmarks); False on timeout."""
        return self._idle.wait(timeout)

    def stop(self, timeout: float = STOP_SECONDS) -> bool:
        """Drop the waiting tasks, start no new one, and wait up to ``timeout`` seconds for the
        running one to finish; False if it is still running. Run at interpreter exit."""
        with self._changed:
            self._stopping = True
            self._guesses.clear()
            self._background.clear()
            if self._running is None:
                self._idle.set()
            self._changed.notify_all()
            worker = self._worker
        if worker is None or worker is threading.current_thread():
            return True
        worker.join(timeout)
        if worker.is_alive():
            _LOGGER.warning("A background measurement still ran %.0f s after the stop", timeout)
            return False
        return True

    def _wake(self) -> None:
        """(Lock held.) Mark the queue busy and make sure the worker runs."""
        self._idle.clear()
        self._changed.notify_all()
        if self._worker is None:
            # A daemon: Python waits for other threads before it runs atexit, where the stop is.
            self._worker = threading.Thread(target=self._work, name="prefetch", daemon=True)
            self._worker.start()

    def _next(self) -> tuple[Hashable, Task, bool] | None:
        """(Lock held.) Wait for a task a page is not waiting behind; (key, task, background?),
        or None once stopping."""
        while True:
            if self._stopping:
                return None
            if not (self._guesses or self._background):
                self._idle.set()
                self._changed.wait()
            elif self._pages_working:
                self._changed.wait()
            elif self._guesses:
                key, task = self._guesses.popitem(last=True)  # the newest guess
                return key, task, False
            else:
                calm = time.monotonic() - self._page_worked
                if calm >= self._quiet:
                    key, task = self._background.popitem(last=False)  # the nearest position
                    return key, task, True
                self._changed.wait(self._quiet - calm)

    def _work(self) -> None:
        while True:
            with self._changed:
                picked = self._next()
                if picked is None:
                    return
                key, task, background = picked
                self._running = key
            try:
                task()
                finished = True
            except Exception:  # a guess that fails must not take the server down; say why
                _LOGGER.exception("Background measurement %r failed", key)
                finished = False
            with self._changed:
                self._running = None
                if background and finished:
                    self._done[key] = None
                    while len(self._done) > self._max_done:
                        self._done.popitem(last=False)
                if not (self._guesses or self._background):
                    self._idle.set()
