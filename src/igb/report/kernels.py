"""Execute notebooks with papermill on one kernel per worker process, reset between notebooks.

Starting a kernel and importing the analysis stack costs ≈4 s, more than most of our notebooks take to run,
so a batch of 23 notebooks spent most of its time starting kernels. A worker now starts its kernel once;
before each notebook the kernel is put back to how a fresh one looks (`fresh_kernel.restore`): empty
namespace, execution count 1, matplotlib, pandas and warning settings as at start, no open figures.
Imported modules stay imported: that is the saving.

Workers do not outlive the run. Each worker ends (and shuts its kernel down) when its parent dies, however it
dies: the parent's death sends it SIGTERM (Linux), and a watchdog thread sees it within 0.5 s elsewhere. Workers
ignore Ctrl-C, which goes to the whole terminal's process group: the parent catches it, cancels what has not
started and stops the workers, each of which shuts its kernel down first (the kernels run in sessions of their
own, so Ctrl-C does not reach them; should a worker still die first, ipykernel's parent poller ends its kernel).
"""

from __future__ import annotations

import os
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from functools import lru_cache
from multiprocessing import connection, get_context, util
from pathlib import Path
from typing import Callable

from igb.lock import process_alive
from igb.report import nbimport

RESET = "from igb.report import fresh_kernel as _igb_fresh; _igb_fresh.restore(get_ipython())"
WARM_UP = "import igb.report.context, igb.report.figures, igb.report.municipality"  # what every notebook imports


class KernelSession:
    """A running python3 kernel whose working folder and IGB_ROOT are a project's root, with one connected client."""

    def __init__(self, root: Path, *, fork: bool = False):
        from jupyter_client.manager import KernelManager

        global _starting
        self.root = Path(root)
        self.kc = None
        # Unix sockets in a private folder, where the platform has them: no ports on localhost, and no warning from
        # the kernel that it "is running over TCP without encryption" on every run. The connection file goes there
        # too (else a temporary file of its own), so removing the folder leaves nothing behind, even after a kill
        self.sockets = None if os.name == "nt" else tempfile.TemporaryDirectory(prefix="igb-kernel-")
        where = {} if self.sockets is None else {"transport": "ipc", "ip": os.path.join(self.sockets.name, "kernel"),
                                                 "connection_file": os.path.join(self.sockets.name, "kernel.json")}
        self.km = KernelManager(kernel_name="python3", **where)
        if fork:  # forked from this warm process (igb.report.forked), not a new Python that imports it all again
            import uuid

            from igb.report.forked import ForkingProvisioner

            self.km.kernel_id = str(uuid.uuid4())
            self.km.provisioner = ForkingProvisioner(kernel_id=self.km.kernel_id, kernel_spec=self.km.kernel_spec,
                                                     parent=self.km)
        _starting = self  # a worker told to stop while this kernel starts shuts it down too
        try:
            # no input history: IPython writes every cell to ~/.ipython's SQLite file (≈20 ms a notebook and its
            # reset, and lock waits between two kernels), and a batch's history is of use to nobody
            self.km.start_kernel(cwd=str(self.root), env={**os.environ, "IGB_ROOT": str(self.root)},
                                 extra_arguments=["--HistoryManager.enabled=False"])
            self.kc = self.km.blocking_client()
            self.kc.start_channels()
            self.kc.wait_for_ready(timeout=60)
        except BaseException:
            self.close()  # a kernel that did not come up is not left running
            raise
        finally:
            _starting = None
        self.kc.allow_stdin = False  # as nbclient sets it: a notebook asking for input() fails instead of hanging
        self.watched = _Watched(self.kc, self._process_alive)  # the client nbclient gets (`_connected_engine`)

    def _process_alive(self) -> bool:
        process = getattr(self.km.provisioner, "process", None)
        return process.poll() is None if process is not None else self.km.is_alive()

    def reset(self) -> None:
        """Make the kernel look fresh for the next notebook; raise if it cannot."""
        reply = self.kc.execute_interactive(RESET, silent=True, store_history=False, timeout=120,
                                            output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"could not reset the kernel: {reply['content'].get('evalue', reply['content'])}")

    def execute(self, source: Path, output: Path, parameters: dict, *, log_output: bool = False) -> None:
        """Papermill: inject `parameters`, run every cell on this kernel, write the executed notebook to `output`."""
        engine = _connected_engine()  # first: it imports papermill without the slow schema checker
        import papermill

        self.reset()
        # written once, when it ends (papermill's default writes the whole notebook, figures and all, before and
        # after every cell); the engine writes what ran if the run breaks off other than by a failing cell
        papermill.execute_notebook(str(source), str(output), parameters=parameters, cwd=str(self.root),
                                   progress_bar=False, log_output=log_output, kernel_name="python3", km=self.km,
                                   engine_name=engine, kc=self.watched, request_save_on_cell_execute=False,
                                   save_if_broken=str(output))

    def alive(self) -> bool:
        return self.km.is_alive()

    def close(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km.has_kernel and self.km.is_alive():
            self.km.shutdown_kernel(now=True)
        if self.sockets is not None:
            self.sockets.cleanup()

    def kill(self) -> None:
        """Kill the kernel's process group at once and remove its sockets: nothing that can wait or fail."""
        process = getattr(self.km.provisioner, "process", None)
        try:
            if process is not None and process.poll() is None:  # not yet ended and reaped: its pid is still its own
                if hasattr(os, "killpg"):
                    os.killpg(process.pid, signal.SIGKILL)  # it leads a session of its own: it and what it started
                else:
                    process.kill()
        except OSError:  # ended meanwhile
            pass
        if self.sockets is not None:
            self.sockets.cleanup()


class _Watched:
    """The session's blocking client as nbclient gets it: waiting for a message without a timeout, it waits in
    slices of a second and raises DeadKernelError once the kernel's process has ended.

    nbclient polls a client's channels from asyncio tasks and checks every second that the kernel lives; with a
    blocking client, `get_msg(timeout=None)` holds the event loop, that check never runs, and a kernel that died
    in a cell (a crash, os._exit, the OOM killer) left its job waiting for ever."""

    def __init__(self, kc, alive: Callable[[], bool]):
        self._kc, self._alive = kc, alive
        self.iopub_channel = _WatchedChannel(kc.iopub_channel, alive)
        self.shell_channel = _WatchedChannel(kc.shell_channel, alive)

    def __getattr__(self, name):
        return getattr(self._kc, name)


class _WatchedChannel:
    def __init__(self, channel, alive: Callable[[], bool]):
        self._channel, self._alive = channel, alive

    def get_msg(self, timeout: float | None = None, **kwargs):
        if timeout is not None:
            return self._channel.get_msg(timeout=timeout, **kwargs)
        from queue import Empty

        from nbclient.exceptions import DeadKernelError

        while True:
            try:
                return self._channel.get_msg(timeout=1.0, **kwargs)
            except Empty:
                if not self._alive():
                    raise DeadKernelError("Kernel died") from None

    def __getattr__(self, name):
        return getattr(self._channel, name)


@lru_cache(maxsize=1)
def _connected_engine() -> str:
    """Register a papermill engine that runs a notebook through the session's connected client; return its name.

    papermill's own engine connects a new client for each notebook, and connecting waits 0.2 s for the kernel's
    output channel to fall quiet. Otherwise this is papermill's NBClientEngine (same client class, same options),
    but for `save_if_broken`: with papermill's saves after each cell turned off (`request_save_on_cell_execute`),
    a run broken off by something other than a failing cell (a dead kernel, a timeout, Ctrl-C) writes what ran
    there, for the failure path; a failing cell's notebook papermill writes itself.
    """
    nbimport.without_iri_checker()
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.iorw import write_ipynb
    from papermill.log import logger

    class ConnectedClientEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, *, kc, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None,
                                     save_if_broken=None, **kwargs):
            kwargs.pop("input_path", None)
            client = PapermillNotebookClient(nb_man, kernel_name=kernel_name, log=logger, log_output=log_output,
                                             stdout_file=stdout_file, stderr_file=stderr_file,
                                             startup_timeout=start_timeout, timeout=execution_timeout, **kwargs)
            client.kc = kc  # nbclient connects a client only when it has none
            try:
                return client.execute()
            except BaseException:
                if save_if_broken:
                    try:
                        write_ipynb(nb_man.nb, save_if_broken)
                    except Exception:  # the error that broke the run is the one to report
                        pass
                raise

    papermill_engines.register("igb-connected", ConnectedClientEngine)
    return "igb-connected"


_session: KernelSession | None = None
_starting: KernelSession | None = None  # a kernel being started (not yet `_session`)
_fork_next = False  # a pool worker's first kernel is forked from it (`_init_worker`, `igb.report.forked`)


def session(root: Path) -> KernelSession:
    """This process's kernel for `root`: started on first use, restarted if it died or the root changed."""
    global _session, _fork_next
    if _session is not None and (_session.root != Path(root) or not _session.alive()):
        close()
    if _session is None:
        fork, _fork_next = _fork_next, False
        _session = KernelSession(root, fork=fork)
        _session.finalizer = util.Finalize(_session, _session.close, exitpriority=10)  # also when a pool worker exits
    return _session


def close() -> None:
    """Shut this process's kernel down (if any)."""
    global _session
    if _session is not None:
        _session.finalizer()  # runs `KernelSession.close` once and takes it off the exit list
        _session = None


def execute(source: Path, output: Path, parameters: dict, *, root: Path, log_output: bool = False) -> None:
    """Execute a notebook on this process's kernel for `root` (see `KernelSession.execute`)."""
    session(root).execute(source, output, parameters, log_output=log_output)


warmed: dict[str, float] = {}  # seconds of this process's warm-up, until its first job reports them (`take_warmed`)


def warm_up(root: Path) -> None:
    """Start this process's kernel and let it import the analysis stack while this process readies its own
    side (papermill, and the HTML template, which compiles on first use): the two start-ups overlap."""
    from igb.report.html import warm_up_html

    started = time.perf_counter()
    try:
        if _fork_next:  # the kernel will be forked from here: import what it needs here first, in a kernel's order
            import ipykernel.ipkernel  # noqa: F401
            import ipykernel.kernelapp  # noqa: F401

            exec(WARM_UP, {})
        session(root).kc.execute(WARM_UP, silent=True, store_history=False)  # its reply is skipped by `reset`
    except Exception:  # only a head start: the first job starts the kernel again and reports what fails
        close()
    kernel = time.perf_counter()
    _connected_engine()  # imports papermill
    warm_up_html()
    warmed.update({"kernel start": kernel - started, "worker warm-up": time.perf_counter() - kernel})


def take_warmed() -> dict[str, float]:
    """This process's warm-up seconds (kernel start; papermill, nbconvert and its template), once."""
    taken = dict(warmed)
    warmed.clear()
    return taken


def compile_ahead(root: Path) -> None:
    """Have Python write the bytecode of what a batch imports, once (at set-up): a kernel warmed up as a worker warms
    it (its imports and the analysis stack), and this process's papermill and nbconvert, at the same time.

    Installers leave no bytecode (uv) and PYTHONDONTWRITEBYTECODE may forbid writing it later: then every kernel
    and worker compiled ≈2,000 modules again, ≈5 s of CPU each, which made the first job of a fresh set-up slow."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # for the kernel, started below
    sys.dont_write_bytecode = False                  # for this process, from here on
    try:
        warm_up(Path(root))
        session(Path(root)).reset()  # waits for the kernel's imports
    finally:
        close()


def _init_worker(owner: int, parent_death_signal: bool, root: Path | None) -> None:
    """Initializer of each pool worker: end with the parent, ignore Ctrl-C, then warm the kernel up (with `root`).

    `owner` is the pid of the process that started the pool; the parent, the process that started this one: the
    forkserver, or the owner itself. `parent_death_signal`: ask Linux to send SIGTERM when the parent dies.
    Linux sends it when the parent *thread* that started this process ends, so only when that thread is the
    parent's main thread (which ends with the process); the watchdog thread covers every case.
    """
    parent = os.getppid()
    global _fork_next
    if hasattr(os, "fork") and sys.platform != "darwin":  # (macOS: forking after its frameworks load is unsafe)
        from igb.report import forked

        forked.prepare_worker()
        _fork_next = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked while the parent started us
    signal.signal(signal.SIGTERM, _on_sigterm)
    if parent_death_signal and sys.platform.startswith("linux"):
        try:
            import ctypes

            PR_SET_PDEATHSIG = 1
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):  # the watchdog still sees the parent die
            pass
    threading.Thread(target=_watch_parent, args=(parent, owner), name="igb-parent-watchdog", daemon=True).start()
    if root is not None:
        warm_up(root)


def _watch_parent(parent: int, owner: int, every: float = 0.5) -> None:
    """Poll the parent's pid and the pool owner's life; once the parent changed (it died: this process was adopted)
    or the owner (the process that started the pool, a forkserver's client) ended, end this process. The owner is
    watched because a forkserver outlives it for as long as its workers live (each holds the pipe whose end tells
    the forkserver to stop)."""
    while os.getppid() == parent and process_alive(owner):
        time.sleep(every)
    if hasattr(signal, "pthread_kill"):
        signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)  # `_on_sigterm` in the main thread
        _force_exit(128 + signal.SIGTERM, after=5.0)  # if the main thread does not get to it
    else:
        _force_exit(1, after=0.0)


_ending = threading.Lock()


def _on_sigterm(signum, frame) -> None:
    """A worker told to stop (by the parent, or because it died): shut the kernel down, then exit at once."""
    if not _ending.acquire(blocking=False):
        return
    threading.Thread(target=_force_exit, args=(128 + signum, 5.0), daemon=True).start()  # should closing hang
    for current in (_session, _starting):
        if current is not None:
            try:
                current.close()
            except BaseException:  # interrupted mid-way: `kill` below is what counts
                pass
            current.kill()
    os._exit(128 + signum)  # not SystemExit: a job would catch it and the worker would go on


def _force_exit(code: int, after: float) -> None:
    time.sleep(after)
    for current in (_session, _starting):
        if current is not None:
            current.kill()
    os._exit(code)


@contextmanager
def _sigint_blocked():
    """Block Ctrl-C in this thread while it starts workers: they inherit the mask and so cannot be interrupted
    before their initializer ignores it. A Ctrl-C meanwhile arrives when the block ends."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _stop_workers(pool: ProcessPoolExecutor, grace: float = 5.0) -> None:
    """Cancel what has not started and stop the workers (SIGTERM: each shuts its kernel down); kill what is left."""
    processes = list((pool._processes or {}).values())  # before shutdown forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    deadline = time.monotonic() + grace
    waiting = {process.sentinel: process for process in processes}
    while waiting and time.monotonic() < deadline:
        for sentinel in connection.wait(list(waiting), timeout=max(0.0, deadline - time.monotonic())):
            waiting.pop(sentinel)
    for process in waiting.values():
        process.kill()  # its kernel's parent poller ends the kernel within a second


def run_jobs(jobs: list[tuple[Callable, tuple]], workers: int, on_done: Callable | None = None,
             root: Path | None = None, pool: "Pool | None" = None) -> list:
    """Call `func(*args)` for each job in `workers` processes (each keeping its kernel); results in job order.

    Jobs start in the order given: put the longest first. A job's exceptions are its own to catch; `on_done`
    is called after each job (e.g. a progress bar). With `root`, each process warms its kernel up first. `pool`: a
    `Pool` started earlier (its workers warmed up meanwhile), used instead of `workers` new processes.
    """
    if not jobs:
        return []
    if pool is not None and pool.started:
        return pool.run(jobs, on_done)
    if workers <= 1 or len(jobs) <= 1:
        results = []
        try:
            if root is not None:
                warm_up(root)
            for func, args in jobs:
                results.append(func(*args))
                on_done and on_done()
        finally:
            close()
        return results
    with Pool(min(workers, len(jobs)), root) as started:
        return started.run(jobs, on_done)


def _worker_context():
    """(multiprocessing context, whether a worker can ask for its parent's death signal).

    On Linux the workers are forked by a forkserver that imported, once, what each worker and its kernel need
    (`igb.report.preload`): a clean process (no sockets, loops or threads of this one) started for the pool, the
    parent of every worker (its main thread forks them: the parent-death signal holds), and ending when this
    process ends. Elsewhere they are spawned: a new Python each, which imports it all itself (a forked copy of
    this process would share its kernel sockets and event loop, and hang)."""
    if sys.platform.startswith("linux"):
        context = get_context("forkserver")
        context.set_forkserver_preload(["igb.report.preload"])
        return context, True
    # the pool starts its workers in `submit`, from the starting thread: Linux's parent-death signal only if it
    # is the main one (not the case here; elsewhere only the watchdog sees the parent die)
    return get_context("spawn"), False


def _ready() -> None:
    """A worker's first task when a `Pool` starts: nothing; its initializer (the warm-up) is the point."""


class Pool:
    """`workers` worker processes, started at once (each warms its kernel up in its initializer) and given jobs by
    `run`, perhaps seconds later: a caller starts them, prepares the wave meanwhile (a core's work), then runs the
    jobs on workers that are ready. Leaving the `with` block stops them (and so their kernels); nothing else does.
    With one worker or fewer nothing is started (`started` is false) and `run_jobs` runs the jobs in this process.
    """

    def __init__(self, workers: int, root: Path | None):
        self.started, self._pool = workers > 1, None
        if not self.started:
            return
        context, parent_death_signal = _worker_context()
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init_worker,
                                         initargs=(os.getpid(), parent_death_signal, root))
        self._warming: list = []
        # submitting starts the workers, and waits for the forkserver's imports: in a thread, while the caller works
        self._starter = threading.Thread(target=self._start, args=(workers,), name="igb-pool-start", daemon=True)
        self._starter.start()

    def _start(self, workers: int) -> None:
        with _sigint_blocked():
            self._warming = [self._pool.submit(_ready) for _ in range(workers)]  # one each: all start now

    def run(self, jobs: list[tuple[Callable, tuple]], on_done: Callable | None = None) -> list:
        """Run the jobs on the workers; results in job order. Ctrl-C stops the workers, kernels included."""
        self._starter.join()
        try:
            with _sigint_blocked():
                futures = {self._pool.submit(func, *args): i for i, (func, args) in enumerate(jobs)}
            results = [None] * len(jobs)
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                on_done and on_done()
        except (KeyboardInterrupt, SystemExit):  # Ctrl-C: stop now, kernels included, and let the caller say so
            with _sigint_ignored():
                _stop_workers(self._pool)
            raise
        return results

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if self._pool is None:
            return
        self._starter.join()
        if kind is not None or not all(f.done() for f in self._warming):  # failed, or left before any job ran
            with _sigint_ignored():
                _stop_workers(self._pool)  # at once: a worker still warming up would hold the exit for seconds
        else:  # the workers shut their kernels down and exit while the caller goes on (e.g. writes the index)
            self._pool.shutdown(wait=False, cancel_futures=True)


@contextmanager
def _sigint_ignored():
    """A second Ctrl-C while the workers are being stopped does not interrupt the stopping (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
