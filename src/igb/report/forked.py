"""A worker's kernel forked from the worker, which has imported the analysis stack first, instead of a new Python.

A kernel started the usual way (`python -m ipykernel_launcher`) imports ipykernel, pandas, matplotlib, seaborn,
scipy and igb itself: ≈2 s of a core, in each of the two kernels of a run, while its worker imports most of the
same modules for its own work (a municipality's workbook). A worker of the pool (`kernels._init_worker`) imports
them once, then forks: the child, sharing those pages copy-on-write, becomes the kernel. To the kernel manager it is
a kernel like another (`ForkingProvisioner`, jupyter_client's local provisioner with a fork for a Popen): the same
connection file, arguments and environment, its own session, its parent watched (`--IPKernelApp.parent_handle`).

What a new Python would not carry over is undone in the child before ipykernel starts: file descriptors above 2
(the worker's pipes to the pool, so the pool still sees a worker die), signal handlers and mask, the asyncio loop
it was forked from, working folder and environment. The worker imports in a kernel's order (ipykernel, then the
stack; the warning filters libraries add when imported come out the same) and with ipykernel's default matplotlib
backend chosen before (`prepare_worker`). Only a pool worker's first kernel is forked (`kernels.warm_up`), from its main
thread before it connects to anything; a kernel restarted later is started the usual way.
"""

from __future__ import annotations

import os
import pathlib
import signal
import subprocess
import sys
import time
import traceback

from jupyter_client.provisioning import LocalProvisioner

INLINE = "module://matplotlib_inline.backend_inline"  # the backend ipykernel sets when MPLBACKEND is not set


def prepare_worker() -> None:
    """Before the worker imports the analysis stack: choose matplotlib's backend as ipykernel would in a kernel
    (matplotlib reads MPLBACKEND once, when imported)."""
    os.environ.setdefault("MPLBACKEND", INLINE)


class Forked:
    """The forked kernel's process, as `subprocess.Popen` offers it to the provisioner (poll, wait, signals)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped already
                self.returncode = -1
            else:
                if pid:
                    self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def launch(cmd: list[str], *, env: dict, cwd: str) -> Forked:
    """Fork this process into the kernel `cmd` would start (`python -m ipykernel_launcher -f <file> ...`)."""
    args = cmd[cmd.index("ipykernel_launcher") + 1:]
    args = [*args, f"--IPKernelApp.parent_handle={os.getpid()}"]  # ipykernel read JPY_PARENT_PID when imported
    env = {**env, "JPY_PARENT_PID": str(os.getpid())}
    pid = os.fork()
    if pid:
        return Forked(pid)
    code = 1
    try:  # the child: never returns into the worker's code
        os.setsid()  # a session of its own, as jupyter_client starts kernels: Ctrl-C in the terminal is not for it
        for signum in (signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # an interrupt is a KeyboardInterrupt
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        _forget_event_loop()  # forked from inside the kernel manager's running loop, whose descriptors close next
        _close_inherited()
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        if sys.path and sys.path[0] in ("", cwd, os.getcwd()):  # as ipykernel_launcher does; init_path adds it back
            del sys.path[0]
        sys.argv = ["ipykernel_launcher", *args]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


def _close_inherited() -> None:
    """Close every file descriptor above 2, as Popen does for a new program: those listed in /proc/self/fd (a
    range up to SC_OPEN_MAX can be a billion descriptors where close_range is missing)."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # no /proc
        os.closerange(3, 65536)
        return
    for fd in fds:
        if fd > 2:
            try:
                os.close(fd)
            except OSError:  # the listing's own descriptor, closed already
                pass


def _forget_event_loop() -> None:
    """No asyncio loop in the child: what Python 3.12 does after every fork (`asyncio.events.on_fork`)."""
    import asyncio

    policy = asyncio.events._event_loop_policy
    if policy is not None and hasattr(policy, "_local"):
        policy._local = type(policy._local)()
    asyncio.events._set_running_loop(None)
    signal.set_wakeup_fd(-1)


class ForkingProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, with the kernel forked from this process (`launch`)."""

    async def launch_kernel(self, cmd: list[str], **kwargs):
        self.process = launch(cmd, env=kwargs.get("env") or dict(os.environ), cwd=str(kwargs.get("cwd") or os.getcwd()))
        self.pid = self.pgid = self.process.pid  # it leads its own session and process group
        self.cwd = kwargs.get("cwd", pathlib.Path.cwd())
        return self.connection_info
