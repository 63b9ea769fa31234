"""Run many independent solves here, on local processes or on a Dask cluster; no printing.

Every executor maps a picklable, top-level function over a list and returns the results in
the order of the list, whatever order they finished in, so a comparison, sweep or Monte Carlo
gives the same numbers whichever executor ran it. Progress is reported through a callback;
nothing here prints, and nothing here knows what a fleet is.

- :class:`SerialExecutor`: one after another, in this process.
- :class:`ProcessExecutor`: ``concurrent.futures`` worker processes (``--jobs N``). Leaving
  its ``with`` block by an exception (a failed solve, Ctrl+C, the SIGTERM the command line
  turns into ``SystemExit``) terminates the workers instead of waiting for their solves, and
  each worker exits by itself as soon as the process that started it is gone.
- :class:`DaskExecutor`: a Dask distributed cluster (``--executor dask --scheduler ADDRESS``),
  or a ``LocalCluster`` it starts; needs the optional extra ``fleet-allocator[dask]``, and
  every worker needs fleet-allocator installed.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

from allocator.errors import ExecutorError

__all__ = [
    "EXECUTORS",
    "DaskExecutor",
    "Executor",
    "ExecutorError",
    "ExecutorKind",
    "ProcessExecutor",
    "Progress",
    "SerialExecutor",
    "default_jobs",
    "make_executor",
]

T = TypeVar("T")
R = TypeVar("R")

Progress = Callable[[int, int], None]
"""Called as ``progress(done, total)`` after each finished item."""

ExecutorKind = Literal["auto", "serial", "processes", "dask"]
EXECUTORS: tuple[str, ...] = ("auto", "serial", "processes", "dask")

DASK_HINT = "install the optional extra: pip install 'fleet-allocator[dask]'"


def default_jobs() -> int:
    """Local processes by default: every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class Executor:
    """Maps a function over items; subclasses decide where the calls run.

    Use as a context manager, or call :meth:`close`, to release workers.
    """

    name = "executor"

    @property
    def workers(self) -> int:
        """How many items run at once."""
        return 1

    def map(self, fn: Callable[[T], R], items: Sequence[T],
            progress: Progress | None = None) -> list[R]:
        """``[fn(item) for item in items]``, in the order of ``items``.

        Raises:
            ExecutorError: the work could not be run (not an error raised by ``fn``, which
                propagates as it is).
        """
        raise NotImplementedError

    def close(self) -> None:
        """Release workers; the executor cannot be used after."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class SerialExecutor(Executor):
    """Every call in this process, one after another."""

    name = "serial"

    def map(self, fn: Callable[[T], R], items: Sequence[T],
            progress: Progress | None = None) -> list[R]:
        results = []
        for done, item in enumerate(items, start=1):
            results.append(fn(item))
            if progress is not None:
                progress(done, len(items))
        return results


def _context() -> multiprocessing.context.BaseContext:
    # forkserver: workers fork from a clean server process, not from this one (which may
    # run threads, e.g. a progress bar), and start fast once the server has imported us.
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["allocator.scenarios.cases"])
        return ctx
    return multiprocessing.get_context("spawn")


def _exit_with_parent(parent: Connection) -> None:
    """Worker initializer: a daemon thread ends this worker once the executor's process is gone.

    ``parent`` is the read end of a pipe whose only write end the executor holds: reading it
    returns at end of file when that process ends, however it ends (even by SIGKILL). The
    parent process id would not do: a forkserver worker's parent is the fork server, which
    itself waits for its workers to exit.
    """
    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            parent.recv_bytes()
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class ProcessExecutor(Executor):
    """Local worker processes (``concurrent.futures``), kept for the executor's life.

    Args:
        jobs: Number of worker processes; default: every core (:func:`default_jobs`).
    """

    name = "processes"

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = jobs or default_jobs()
        self._pool: ProcessPoolExecutor | None = None
        self._alive: tuple[Connection, Connection] | None = None  # read end, write end

    @property
    def workers(self) -> int:
        return self.jobs

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = _context()
            self._alive = context.Pipe(duplex=False)
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context,
                                             initializer=_exit_with_parent,
                                             initargs=(self._alive[0],))
        return self._pool

    def _release(self) -> None:
        if self._alive is not None:
            for end in self._alive:
                end.close()
            self._alive = None

    def map(self, fn: Callable[[T], R], items: Sequence[T],
            progress: Progress | None = None) -> list[R]:
        if not items:
            return []
        pool = self._get_pool()
        futures: dict[Future[R], int] = {pool.submit(fn, item): i for i, item in enumerate(items)}
        results: list[Any] = [None] * len(items)
        try:
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if progress is not None:
                    progress(done, len(items))
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        return results

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._release()

    def terminate(self) -> None:
        """Stop at once: cancel what has not started and kill the workers mid-solve."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # concurrent.futures has no public way to kill its workers before Python 3.14.
        workers = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join(timeout=5)
        # Wait for the pool's manager thread to see its workers gone and close its wake-up
        # pipe; left running, it races the interpreter's exit hook, which then writes to the
        # closed pipe ("OSError: Bad file descriptor" printed after a SIGTERM).
        manager = getattr(pool, "_executor_manager_thread", None)
        if manager is not None:
            manager.join(timeout=5)
        self._release()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.terminate()


class DaskExecutor(Executor):
    """Calls run as tasks on a Dask distributed cluster.

    Args:
        scheduler: Scheduler address (``tcp://10.0.0.5:8786``). Without it (and without
            ``client``) a ``LocalCluster`` of ``jobs`` single-threaded worker processes is
            started and closed with the executor.
        client: An existing ``distributed.Client`` to use (left open on close).
        jobs: Workers of the LocalCluster started when neither of the above is given.

    Raises:
        ExecutorError: Dask is not installed or the scheduler cannot be reached.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, *, client: Any = None,
                 jobs: int | None = None) -> None:
        try:
            distributed: Any = importlib.import_module("distributed")
        except ImportError as exc:
            raise ExecutorError(f"The dask executor needs dask.distributed; {DASK_HINT}") from exc
        self._cluster: Any = None
        self._own_client = client is None
        if client is not None:
            self.client = client
        elif scheduler:
            self.client = _connect(distributed, scheduler)
        else:
            # The cluster's own processes log their shutdown races (a worker's heartbeat to
            # a scheduler already closing) with a traceback on the user's terminal; a task's
            # failure still reaches the user through its future.
            self._cluster = distributed.LocalCluster(
                n_workers=jobs or default_jobs(), threads_per_worker=1, processes=True,
                # ":0": a free port. None still binds 8787 in the distributed this runs on,
                # so a second cluster on the machine leaked a socket and warned.
                dashboard_address=":0", silence_logs=logging.CRITICAL)
            self.client = distributed.Client(self._cluster)

    @property
    def workers(self) -> int:
        info = self.client.scheduler_info()
        return max(1, sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()))

    def map(self, fn: Callable[[T], R], items: Sequence[T],
            progress: Progress | None = None) -> list[R]:
        if not items:
            return []
        dask_completed: Any = importlib.import_module("distributed").as_completed
        try:
            futures = self.client.map(fn, list(items), pure=False)
        except Exception as exc:  # nothing ran yet: any failure is the cluster's
            raise ExecutorError(f"Cannot send work to the Dask scheduler: "
                                f"{_reason(exc)}") from exc
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(items)
        try:
            for done, future in enumerate(dask_completed(futures), start=1):
                results[index[future.key]] = future.result()
                if progress is not None:
                    progress(done, len(items))
        except (OSError, _comm_closed()) as exc:
            self.client.cancel(futures)
            raise ExecutorError(f"Lost the Dask scheduler while solving: {_reason(exc)}"
                                ) from exc
        except BaseException:
            self.client.cancel(futures)
            raise
        return results

    def close(self) -> None:
        if self._own_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def _connect(distributed: Any, scheduler: str) -> Any:
    """A client of the scheduler at ``scheduler``, or one sentence saying why there is none.

    A wrong address fails in many ways: a refused or timed-out connection, an address that
    does not parse, or something else listening there whose reply dask reads as a message
    length (once "Unable to allocate 3.07 EiB" after a 40-line traceback).

    Raises:
        ExecutorError: no Dask scheduler answers at ``scheduler``.
    """
    where = f"Cannot connect to a Dask scheduler at {scheduler}"
    hint = "check the address (tcp://HOST:PORT of a running dask scheduler, e.g. " \
           "tcp://10.0.0.5:8786)"
    try:
        return distributed.Client(scheduler, timeout="10s")
    except MemoryError as exc:  # a reply of another protocol read as a frame length
        raise ExecutorError(f"{where}: what answers there is not a Dask scheduler; {hint}"
                            ) from exc
    except Exception as exc:  # dask raises many kinds here; all mean the same
        raise ExecutorError(f"{where}: {_reason(exc)}; {hint}") from exc


def _reason(exc: BaseException) -> str:
    """The first line of an exception's message, or its kind when it has none."""
    text = str(exc).strip().splitlines()
    return text[0].rstrip(".") if text else type(exc).__name__


def _comm_closed() -> type[BaseException]:
    """dask's CommClosedError (an OSError in recent versions, not in all)."""
    core: Any = importlib.import_module("distributed.comm.core")
    found: type[BaseException] = core.CommClosedError
    return found


def make_executor(kind: str = "auto", *, jobs: int | None = None,
                  scheduler: str | None = None) -> Executor:
    """The executor a command line asks for.

    Args:
        kind: ``auto`` (processes, or serial when ``jobs`` is 1), ``serial``, ``processes``
            or ``dask``. A ``scheduler`` implies ``dask``.
        jobs: Local worker processes (``processes``) or LocalCluster workers (``dask``
            without a scheduler); default every core.
        scheduler: Dask scheduler address.

    Raises:
        ExecutorError: unknown kind, a scheduler with a non-Dask kind, or Dask unavailable.
    """
    if kind not in EXECUTORS:
        raise ExecutorError(f"Unknown executor {kind!r}. Available: {', '.join(EXECUTORS)}")
    if scheduler and kind not in ("auto", "dask"):
        raise ExecutorError(f"--scheduler needs the dask executor, not {kind!r}")
    if kind == "dask" or scheduler:
        return DaskExecutor(scheduler, jobs=jobs)
    if kind == "serial" or (kind == "auto" and jobs == 1):
        return SerialExecutor()
    return ProcessExecutor(jobs)
