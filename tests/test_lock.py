"""One lock per wave: a second process is refused with who holds it, the lock ends with its holder, re-entrant."""

import os
import re
import shutil
import subprocess
import sys
import threading
import time

import pytest

from conftest import ROOT
from igb import lock
from igb.cli import main
from igb.config import paths as make_paths
from igb.errors import ConfigError, IgbError
from igb.lock import WaveBusy, holder, lock_path, wave_lock

HOLD = """
import sys
from igb.config import paths
from igb.lock import wave_lock
with wave_lock(paths(sys.argv[1]), "w1", "igb run"):
    print("held", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""
TRY = """
import sys
from igb.config import paths
from igb.lock import WaveBusy, wave_lock
try:
    with wave_lock(paths(sys.argv[1]), "w1", "igb reports"):
        print("took it")
except WaveBusy as exc:
    print(f"busy: {exc.message('en')}")
"""


@pytest.fixture
def project(tmp_path):
    shutil.copytree(ROOT / "params" / "text", tmp_path / "params" / "text")  # its messages: the text catalog
    return make_paths(tmp_path)


@pytest.fixture
def holding(project):
    """A process holding wave w1's lock; ended (if still running) after the test."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(project.root)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline() == "held\n"
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def attempt(project) -> str:
    """What a second process gets when it tries to take wave w1's lock."""
    return subprocess.run([sys.executable, "-c", TRY, str(project.root)], capture_output=True, text=True,
                          timeout=60, check=True).stdout.strip()


def test_a_second_process_is_refused_while_the_first_holds_the_wave_and_takes_it_after(project, holding):
    message = attempt(project)
    assert re.fullmatch(rf"busy: wave 'w1' is busy: `igb run` \(pid {holding.pid}\) has held it since "
                        r"\d\d:\d\d:\d\d; wait for it to finish", message), message
    assert holder(project, "w1")["pid"] == holding.pid
    holding.stdin.write("\n")
    holding.stdin.flush()
    assert holding.stdout.readline() == "released\n"
    assert attempt(project) == "took it"
    assert not lock_path(project, "w1").exists()  # removed on release


def test_killing_the_holder_frees_the_wave(project, holding):
    assert attempt(project).startswith("busy:")
    holding.kill()  # SIGKILL: no clean-up of its own
    holding.wait(timeout=10)
    assert lock_path(project, "w1").exists()  # left behind, but nobody holds it
    assert attempt(project) == "took it"


def test_the_lock_is_reentrant_within_one_process(project):
    with wave_lock(project, "w1", "igb run") as path:
        with wave_lock(project, "w1", "igb prepare"):  # e.g. `run` calling a function that locks the wave too
            assert attempt(project).startswith("busy: wave 'w1' is busy: `igb run`")
        assert attempt(project).startswith("busy:")  # the outer hold still counts
        with wave_lock(project, "w2", "igb run"):  # another wave is another lock
            pass
        assert holder(project, "w1")["pid"] == os.getpid()
    assert not path.exists()
    assert attempt(project) == "took it"


def test_the_busy_error_names_the_holder_and_is_an_igb_error(project, holding):
    with pytest.raises(WaveBusy) as info:
        with wave_lock(project, "w1", "igb reports"):
            pytest.fail("took a held lock")
    assert isinstance(info.value, IgbError)
    assert f"`igb run` (pid {holding.pid})" in str(info.value) and "wait for it to finish" in str(info.value)
    dutch = info.value.message("nl")
    assert dutch.startswith(f"golf 'w1' is bezet: `igb run` (pid {holding.pid}) gebruikt haar sinds ") and "wacht" in dutch
    assert str(info.value) == f"{dutch} / {info.value.message('en')}"  # no language known: both, Dutch first


def test_a_holder_on_another_host_is_named_with_its_host_in_both_languages():
    from igb import lock

    error = lock._busy_error("w1", {"pid": 7, "command": "igb run", "started": "2001-02-03T04:05:06", "host": "elsewhere"})
    assert error.message("en") == ("wave 'w1' is busy: `igb run` (pid 7 on elsewhere) has held it since "
                                   "2001-02-03 04:05:06; wait for it to finish")
    assert error.message("nl") == ("golf 'w1' is bezet: `igb run` (pid 7 op elsewhere) gebruikt haar sinds "
                                   "2001-02-03 04:05:06; wacht tot dat commando klaar is")
    assert lock._busy_error("w1", None).message("nl") == ("golf 'w1' is bezet: een ander igb-commando gebruikt haar; "
                                                         "wacht tot dat klaar is")


def test_the_lock_lives_beside_the_wave_folder_not_in_it(project):
    with wave_lock(project, "w1", "igb run") as path:
        assert path == project.root / "data" / "processed" / ".locks" / "w1.lock"
        assert not project.processed("w1").exists()  # the wave's files are inputs of its reports: none added
    with pytest.raises(ConfigError, match="wave name '../x' is not allowed"):
        with wave_lock(project, "../x", "igb run"):
            pass


def test_the_cli_says_in_one_line_that_the_wave_is_busy(project, holding, monkeypatch, capsys):
    monkeypatch.setenv("IGB_ROOT", str(project.root))
    started = time.perf_counter()
    assert main(["prepare", "--wave", "w1", "--lang", "en"]) == 2
    assert time.perf_counter() - started < 5  # refused at once, not after waiting
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"igb: wave 'w1' is busy: `igb run` (pid {holding.pid}) has held")
    assert not project.processed("w1").exists()
    assert main(["prepare", "--wave", "w1"]) == 2  # --lang nl, the default
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"igb: golf 'w1' is bezet: `igb run` (pid {holding.pid}) gebruikt")


@pytest.mark.skipif(lock.fcntl is None, reason="waiting needs fcntl (it does not wait on Windows)")
def test_waiting_lets_the_second_in_only_after_the_first(tmp_path):
    path, order = tmp_path / "cache" / ".lock", []

    def second():
        with lock.waiting(path):
            order.append("second")

    with lock.waiting(path):
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(0.3)  # it waits: flock holds against another open of the file, in any thread or process
        order.append("first done")
    thread.join(5)
    assert order == ["first done", "second"]
