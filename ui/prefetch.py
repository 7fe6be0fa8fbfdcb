"""Work done ahead, in the background, while a person looks at the page.

One worker thread for the whole server process runs the tasks, newest first, one at a
time, so ten people dragging at once add at most one measurement's worth of guessing.
It runs at the page runs' priority: a lower one made a page that waits for a guess in
progress wait longer (measured with ``bench/browser_latency.py``). A task whose key is
queued or running is not queued again.
When more than ``max_pending`` tasks wait, the oldest waiting one is dropped: a guess
made for a slider position the person has already left is worth the least.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor

MAX_PENDING = 6  # waiting tasks; a step on one slider asks for up to three

_LOGGER = logging.getLogger(__name__)


class Prefetcher:
    """A one-thread queue of keyed tasks; the newest waiting task runs first."""

    def __init__(self, max_pending: int = MAX_PENDING):
        self._max_pending = max_pending
        self._lock = threading.Lock()
        self._waiting: OrderedDict[Hashable, Callable[[], object]] = OrderedDict()
        self._running: Hashable | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch")

    def submit(self, key: Hashable, task: Callable[[], object]) -> bool:
        """Queue ``task`` under ``key``; False if that key is already queued or running."""
        with self._lock:
            if key == self._running or key in self._waiting:
                return False
            self._waiting[key] = task
            while len(self._waiting) > self._max_pending:
                self._waiting.popitem(last=False)  # the oldest guess
            self._idle.clear()
        self._executor.submit(self._run_newest)
        return True

    def wait_until_idle(self, timeout: float | None = None) -> bool:
        """Block until no task waits or runs (for tests and benchmarks); False on timeout."""
        return self._idle.wait(timeout)

    def _run_newest(self) -> None:
        with self._lock:
            if not self._waiting:
                return  # dropped, or already run by an earlier call
            key, task = self._waiting.popitem(last=True)
            self._running = key
        try:
            task()
        except Exception:  # a guess that fails must not take the server down; say why
            _LOGGER.exception("Background measurement %r failed", key)
        finally:
            with self._lock:
                self._running = None
                if not self._waiting:
                    self._idle.set()
