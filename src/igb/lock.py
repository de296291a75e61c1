"""One lock per wave for the commands that write it: a second run on a busy wave stops at once and says who has it.

`wave_lock(paths, wave, "igb run")` takes an exclusive, non-blocking lock on data/processed/.locks/<wave>.lock and
writes into it who holds it (pid, command, start time, host). The operating system releases the lock when the
holder ends in any way (also SIGKILL): a stale lock file is never a held lock. Within one process the lock is
re-entrant: a command that calls a function taking the same wave's lock does not stop itself.

The lock files live next to the waves' folders, not in them: a wave's folder holds only its data (every file in
it is an input of the rendered reports, see `igb.report.render.fingerprint`) and a command that fails writes
nothing there.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import threading
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from igb.config import Paths
from igb.errors import CatalogError
from igb.text import every_language

try:
    import fcntl
except ImportError:  # Windows and a few others
    fcntl = None
try:
    import msvcrt
except ImportError:
    msvcrt = None

LOCK_BYTE = 1 << 30  # msvcrt locks a byte range (mandatory): one far past the text, so others can still read it


class WaveBusy(CatalogError):
    """Another process holds the wave's lock (the message: the catalog's `lock.<key>`)."""


def _busy(key: str, **params) -> WaveBusy:
    return WaveBusy(key, every_language(f"lock.{key}", **params), **params)


_held: dict[Path, list] = {}  # lock file -> [file descriptor, count] of the locks this process holds
_guard = threading.RLock()


def lock_path(paths: Paths, wave: str) -> Path:
    """data/processed/.locks/<wave>.lock (the wave's name checked by `Paths.processed`)."""
    return paths.processed(wave).parent / ".locks" / f"{wave}.lock"


@contextmanager
def wave_lock(paths: Paths, wave: str, command: str):
    """Hold the lock of `wave` for `command` (e.g. "igb run") while the block runs; WaveBusy if another has it."""
    path = lock_path(paths, wave)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = path.resolve()
    with _guard:
        if key in _held:
            _held[key][1] += 1
        else:
            _held[key] = [_acquire(key, wave, command), 1]
    try:
        yield path
    finally:
        with _guard:
            _held[key][1] -= 1
            if not _held[key][1]:
                _release(key, _held.pop(key)[0])


@contextmanager
def waiting(path: Path, *, wait: bool = True):
    """Hold an exclusive lock on `path` (made if missing) while the block runs, for a cache two processes may fill
    at once; yields whether it holds it. It waits for whoever holds it, or with `wait=False` yields False at once
    (the caller does something else, and comes back). Where the platform has no `fcntl` (Windows) it holds it
    always, without waiting: both may fill the cache, each atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        held = True
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                held = False
        yield held
    finally:
        os.close(fd)  # and so the lock


def holder(paths: Paths, wave: str) -> dict | None:
    """Who holds the wave's lock as its file says (pid, command, started, host); None if nobody wrote one."""
    return _holder_of(lock_path(paths, wave))


def _holder_of(path: Path) -> dict | None:
    try:
        return _parse(path.read_bytes())
    except OSError:
        return None


def _acquire(path: Path, wave: str, command: str) -> int:
    """Lock `path` (created if missing) and write the holder into it; the open descriptor, or WaveBusy."""
    if fcntl is None and msvcrt is None:
        return _acquire_exclusive_file(path, wave, command)
    for _ in range(100):  # the holder removes the file on release: if it did so between our open and our lock, again
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            locked = _try_lock(fd)
            if locked and (fcntl is None or _same_file(fd, path)):
                _write(fd, command)
                return fd
            info = None if locked else _read(fd)
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # also releases a lock on a file that was removed meanwhile
        if not locked:
            raise _busy_error(wave, info)
    raise _busy("changing", wave=wave, path=path)


def _release(path: Path, fd: int) -> None:
    if fcntl is None and msvcrt is None:
        os.close(fd)
        path.unlink(missing_ok=True)
        return
    if fcntl is not None:  # removed while still held: a process that opened it before retries on a new file
        try:
            path.unlink()
        except OSError:
            pass
    else:
        os.ftruncate(fd, 0)  # Windows cannot remove an open file: empty it
    _unlock(fd)
    os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            os.lseek(fd, LOCK_BYTE, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return True
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK, errno.EDEADLK):
            return False
        raise


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:
        os.lseek(fd, LOCK_BYTE, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _same_file(fd: int, path: Path) -> bool:
    """Whether `path` still names the file `fd` locked (its holder removes it on release)."""
    try:
        here, there = os.fstat(fd), os.stat(path)
    except FileNotFoundError:
        return False
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _record(command: str) -> bytes:
    return json.dumps({"pid": os.getpid(), "command": command, "started": datetime.now().isoformat(timespec="seconds"),
                       "host": socket.gethostname()}).encode() + b"\n"


def _write(fd: int, command: str) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, _record(command))


def _read(fd: int) -> dict | None:
    os.lseek(fd, 0, os.SEEK_SET)
    return _parse(os.read(fd, 4096))


def _parse(text: bytes) -> dict | None:
    try:
        info = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None  # empty: the holder has locked it and not yet written
    return info if isinstance(info, dict) else None


def _busy_error(wave: str, info: dict | None) -> WaveBusy:
    if not info:
        return _busy("busy_unknown", wave=wave)
    since = str(info.get("started", "?"))
    try:
        started = datetime.fromisoformat(since)
        since = started.strftime("%H:%M:%S" if started.date() == datetime.now().date() else "%Y-%m-%d %H:%M:%S")
    except ValueError:
        pass
    host = info.get("host")
    held = {"wave": wave, "command": info.get("command", "igb"), "pid": info.get("pid", "?"), "since": since}
    if host and host != socket.gethostname():
        return _busy("busy_elsewhere", host=host, **held)
    return _busy("busy", **held)


def _acquire_exclusive_file(path: Path, wave: str, command: str) -> int:
    """Without fcntl and msvcrt: the file's existence is the lock (O_EXCL); one left by a dead holder is removed."""
    for _ in range(2):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            info = _holder_of(path)
            if info and not process_alive(info.get("pid")):
                path.unlink(missing_ok=True)
                continue
            raise _busy_error(wave, info) from None
        os.write(fd, _record(command))
        return fd
    raise _busy_error(wave, _holder_of(path))


def process_alive(pid) -> bool:
    """Whether process `pid` runs: not ended, not a zombie waiting to be reaped (a pid that cannot be read, or
    another user's process, counts as running)."""
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (OSError, TypeError, ValueError):
        return True
    try:
        with open(f"/proc/{int(pid)}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):  # no /proc: it exists
        return True


def _forget_after_fork() -> None:
    """A forked child does not hold its parent's locks: close its copies (that leaves the parent's lock held)."""
    for fd, _ in _held.values():
        try:
            os.close(fd)
        except OSError:
            pass
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
