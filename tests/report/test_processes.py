"""Pool workers and their kernels do not outlive the run: not when the parent is killed, not on Ctrl-C."""

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and process groups")

JOB = """
import os, time
from pathlib import Path
from igb.report import kernels

def sleep_on_a_kernel(root, seconds):
    kernels.session(root)  # the worker's kernel, up and connected
    (Path(root) / f"started-{os.getpid()}").touch()
    time.sleep(seconds)
"""
PARENT = """
import os, sys
from pathlib import Path
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the workers find `sleepy` too
from igb import cli
from igb.report import kernels
import sleepy

root = Path(os.environ["IGB_ROOT"])

def reports(args):  # `igb reports` on jobs that sleep: 3 jobs on 2 workers, so one is still waiting. No warm-up
    kernels.run_jobs([(sleepy.sleep_on_a_kernel, (root, 60)) for _ in range(3)], 2)  # (root=None): faster
    return 0

if __name__ == "__main__":
    cli._cmd_reports = reports
    sys.exit(cli.main(["reports", "--wave", "w1"]))
"""


def workers_and_kernels(parent: psutil.Process) -> tuple[list, list]:
    """The pool's workers (children of the forkserver the parent started, on Linux; else of the parent) and their
    kernels (each forked from its worker: it has the worker's command line)."""
    def line(p):
        try:
            return " ".join(p.cmdline())
        except psutil.Error:  # ended meanwhile (or a zombie)
            return ""

    below = [p for p in parent.children() if "forkserver" in line(p)] or [parent]
    workers = [w for b in below for w in b.children() if any(k in line(w) for k in ("forkserver", "spawn_main"))]
    return workers, [k for w in workers for k in w.children()]


def gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE  # dead, not yet reaped by its new parent
    except psutil.NoSuchProcess:
        return True


@pytest.fixture
def parent(tmp_path):
    """Start `igb reports`-like parent (own session, as from a terminal); yield (Popen, its workers and kernels)
    once both workers run a job on a ready kernel; kill whatever is left afterwards."""
    (tmp_path / "sleepy.py").write_text(JOB)
    (tmp_path / "parent.py").write_text(PARENT)
    process = subprocess.Popen([sys.executable, str(tmp_path / "parent.py")], env={**os.environ, "IGB_ROOT": str(tmp_path)},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    descendants = []
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("started-*"))) < 2:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the workers did not start their jobs"
            time.sleep(0.1)
        descendants = psutil.Process(process.pid).children(recursive=True)
        workers, kernels = workers_and_kernels(psutil.Process(process.pid))
        assert len(workers) == 2 and len(kernels) == 2
        assert all(os.getsid(k.pid) == k.pid for k in kernels)  # each leads a session of its own
        yield process, descendants
    finally:
        if process.poll() is None:
            process.kill()
        for p in descendants:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        process.wait(timeout=10)


def wait_until_gone(processes, seconds: float) -> list:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not all(gone(p) for p in processes):
        time.sleep(0.05)
    return [p for p in processes if not gone(p)]


def test_workers_and_kernels_end_when_the_parent_is_killed(parent):
    process, descendants = parent
    process.kill()  # SIGKILL: the parent cleans nothing up
    process.wait(timeout=10)
    left = wait_until_gone(descendants, 10)
    assert not left, [(p.pid, p.cmdline()) for p in left]


def test_ctrl_c_ends_the_run_in_one_line_with_its_workers_and_kernels(parent):
    process, descendants = parent
    started = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)  # as a terminal does: to the whole foreground process group
    out, err = process.communicate(timeout=15)
    assert time.monotonic() - started < 5
    assert process.returncode == 130
    assert err.strip().splitlines()[-1] == "igb: interrupted / onderbroken"
    assert "Traceback" not in err, err
    left = wait_until_gone(descendants, 10)
    assert not left, [(p.pid, p.cmdline()) for p in left]


def test_a_pool_started_early_runs_the_jobs_given_later():
    from igb.report import kernels

    with kernels.Pool(2, None) as pool:  # (root None: no kernels) as `igb run` starts it before preparing
        assert pool.started
        time.sleep(0.2)  # the caller prepares meanwhile
        assert kernels.run_jobs([(pow, (2, k)) for k in range(5)], 2, pool=pool) == [1, 2, 4, 8, 16]


def test_a_pool_left_before_any_job_ends_its_workers_and_kernels(tmp_path):
    from igb.report import kernels

    me = psutil.Process()
    with kernels.Pool(2, tmp_path):  # e.g. validation failed, or nothing is pending: the warm-up is cut short
        deadline = time.monotonic() + 60
        while True:
            workers, kernels_of = workers_and_kernels(me)
            if len(kernels_of) == 2:
                break
            assert time.monotonic() < deadline, "the workers did not start their kernels"
            time.sleep(0.1)
        descendants = workers + kernels_of
        assert len(descendants) == 4
        started = time.monotonic()
    assert time.monotonic() - started < 6  # stopped, not waited for
    left = wait_until_gone(descendants, 10)
    assert not left, [(p.pid, p.cmdline()) for p in left]


DIE = """
import os
from pathlib import Path
from igb.report import kernels

def die_with_a_kernel(root):
    kernel = kernels.session(Path(root)).km.provisioner.process.pid  # the worker's kernel (forked on Linux) is up
    (Path(root) / f"kernel-{kernel}").touch()
    os._exit(3)
"""
DYING_PARENT = """
import os, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from igb.report import kernels
import dying

if __name__ == "__main__":
    started = time.monotonic()
    try:
        kernels.run_jobs([(dying.die_with_a_kernel, (os.environ["IGB_ROOT"],)) for _ in range(2)], 2)
    except Exception as exc:
        print(type(exc).__name__, time.monotonic() - started)
"""


def test_a_worker_that_dies_is_seen_dead_though_its_kernel_lives_on_and_then_ends(tmp_path):
    # the kernel must not hold the worker's pipes to the pool (a forked kernel closes what it inherited), or the
    # pool would wait for ever; and a kernel whose worker died ends by itself (ipykernel watches its parent)
    (tmp_path / "dying.py").write_text(DIE)
    (tmp_path / "parent.py").write_text(DYING_PARENT)
    process = subprocess.run([sys.executable, str(tmp_path / "parent.py")], env={**os.environ, "IGB_ROOT": str(tmp_path)},
                             capture_output=True, text=True, timeout=60)
    kind, seconds = process.stdout.split()
    assert kind == "BrokenProcessPool" and float(seconds) < 20
    kernels = [int(p.name.split("-")[1]) for p in tmp_path.glob("kernel-*")]
    assert kernels
    left = wait_until_gone([psutil.Process(pid) for pid in kernels if psutil.pid_exists(pid)], 15)
    assert not left, [(p.pid, p.cmdline()) for p in left]
