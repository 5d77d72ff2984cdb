"""Worker processes on one machine: a pool of workers, and signals that are the parent's alone.

``eval --batch --jobs N`` and ``verify --jobs N`` share these rules:

- TERM and INT raise :class:`Stopped` in the parent (:func:`stopped_by_signals`), so that a
  run ends as an exception does, its clean-up done; by default TERM kills the process on the
  spot and INT raises KeyboardInterrupt wherever it lands, workers included.
- Workers ignore TERM and INT and are never killed (:func:`worker_pool`): one killed while it
  takes a task or gives back a result leaves a queue's lock held or half a message in its
  pipe, and the parent then waits for ever. At the end, stopped or not, the pool is closed
  and joined: the workers finish what was already sent and exit. SIGKILL still ends every
  process of the group.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

# multiprocessing is imported where a pool is made: a command that only catches Stopped
# (`eval` of a file) does not pay for it at start.


class Stopped(BaseException):
    """A run ended by SIGTERM or SIGINT. A BaseException, as KeyboardInterrupt is: a guard
    against bugs that catches Exception must not take it for one."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.lines = 0  # for a run over input lines: how many were done and written


_STOPPING = (signal.SIGTERM, signal.SIGINT)

# The process that set `_stop` as its handler. A worker forked before its initializer ran
# still has the handler; there the signal is the parent's to handle (see _start_worker).
_handling_pid = 0


def _stop(signum: int, frame: object) -> None:
    if os.getpid() != _handling_pid:
        return
    # Once: a second signal while the pool and the output are cleaned up must not cut that
    # short (it would leave workers or a temporary file behind).
    for each in _STOPPING:
        signal.signal(each, signal.SIG_IGN)
    raise Stopped(signum)


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """Within the block, TERM and INT raise :class:`Stopped` (in the main thread only: only
    it may set handlers, and a caller on another thread keeps its own)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    global _handling_pid  # noqa: PLW0603  (one process, one set of signal handlers)
    _handling_pid = os.getpid()
    previous = {each: signal.signal(each, _stop) for each in _STOPPING}
    try:
        yield
    finally:
        for each, handler in previous.items():
            signal.signal(each, handler)


def usable_cpus() -> int:
    """The CPUs this process may run on (a container or `taskset` may allow fewer than the
    machine has): the default number of workers."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether workers can be forked: a forked worker inherits the parent's compiled packs;
    spawn and forkserver start by importing the parent's ``__main__``, which for ``python -m
    rulepack`` would run the command again in every worker."""
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


@contextmanager
def worker_pool(jobs: int, initializer: Callable[..., None] | None = None,
                initargs: tuple[Any, ...] = ()) -> Iterator[Pool]:
    """A pool of ``jobs`` workers (forked where the platform can) that ignore TERM and INT,
    closed and joined when the block ends, however it ends."""
    import multiprocessing

    context = multiprocessing.get_context("fork" if can_fork() else None)
    pool = context.Pool(jobs, initializer=_start_worker, initargs=(initializer, initargs))
    try:
        yield pool
    finally:
        pool.close()
        pool.join()


def _start_worker(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    # Ctrl-C and a TERM sent to the process group reach the workers too; the parent alone
    # handles them and ends the pool, so that no worker dies in the middle of the pool's
    # queues or prints a traceback (a forked worker inherits the parent's handler).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if initializer is not None:
        initializer(*initargs)
