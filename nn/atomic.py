"""Atomic file writes: readers see the old file or the new one, never half of either.

The data goes to a hidden temporary file beside the target (`.<name>.<pid>.<random>.tmp`),
is flushed to disk, then renamed over the target. A writer killed half-way leaves only its
temporary file, which the next write (or `remove_stale`) of the same path deletes.
"""
from __future__ import annotations

import glob
import os
import tempfile
from typing import IO, Callable


def _temp_prefix(path: str) -> str:
    return f".{os.path.basename(path)}."


def _umask() -> int:
    """The process's umask, read without changing it where /proc tells it."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def remove_stale(path: str) -> None:
    """Delete temporary files left beside `path` by writers that are no longer running."""
    folder = os.path.dirname(os.path.abspath(path))
    pattern = os.path.join(glob.escape(folder), glob.escape(_temp_prefix(path)) + "*.tmp")
    for tmp in glob.glob(pattern):
        pid = os.path.basename(tmp)[len(_temp_prefix(path)):].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue  # another process is writing it right now
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def atomic_write(path: str | os.PathLike, write: Callable[[IO], None], binary: bool = True) -> None:
    """Replace `path` with what `write(file)` writes, in one step.

    The new file gets the mode a plain `open(path, "w")` would give (0o666 less the umask).
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    remove_stale(path)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f"{_temp_prefix(path)}{os.getpid()}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"newline": ""})) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    """Make the rename durable where the platform allows syncing a directory."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
