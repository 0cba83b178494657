"""A temporary folder for one learner's work that never outlives the learner's kernel.

Several students on one server each get their own folder (``tempfile.mkdtemp``: a fresh name,
readable by its owner only). It is deleted, with any background work in it stopped first, when:

* ``close()`` is called, or the owning object is garbage-collected;
* the Python process exits normally (an exit handler registered when this module is imported, so
  it runs before the handlers a kernel registered at start);
* the process gets SIGTERM (Voila gives a kernel 2.5 s to exit after its page closes, then sends
  SIGTERM; the handler deletes the folders, then lets the signal do what it did before);
* the process was killed outright: the dashboard server deletes the folders of a kernel's process
  when that kernel goes, however it went (``remove_folders_of``, called by ``memlab.server.places``); and
  the next folder made on the machine removes it (its name holds the process id, and that process is
  gone).

Every prefix starts with ``memlab-`` and the name ends ``-PID-RANDOM``, so the server can find them.
"""

import atexit
import functools
import os
import re
import shutil
import signal
import tempfile
import threading
import weakref
from pathlib import Path


def _delete(path: Path, closed: threading.Event, stop: threading.Event, threads: list, wait: bool = True):
    """Stop the work, delete the folder first (a kernel being shut down may be killed at any moment),
    then wait for the work to end (within a step) and delete again in case it was mid-write."""
    closed.set()
    stop.set()
    shutil.rmtree(path, ignore_errors=True)
    if wait:
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(timeout=30)  # one training step; SIGTERM cuts this short
        shutil.rmtree(path, ignore_errors=True)


_folders = []  # (path, closed, stop, threads) of every folder this process made


def _delete_all(wait: bool = True):
    for folder in _folders:
        _delete(*folder, wait=wait)


atexit.register(_delete_all)


def _on_sigterm(signum, frame, previous=None):
    _delete_all(wait=False)
    signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)
    else:
        os.kill(os.getpid(), signum)


def _handle_sigterm():
    """Install ``_on_sigterm`` once (only the main thread may install signal handlers)."""
    current = signal.getsignal(signal.SIGTERM)
    if getattr(current, "func", None) is _on_sigterm or threading.current_thread() is not threading.main_thread():
        return
    signal.signal(signal.SIGTERM, functools.partial(_on_sigterm, previous=current))


def _remove_orphans(prefix: str):
    """Delete this user's folders left by processes that were killed before they could clean up."""
    for path in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        try:
            pid = int(path.name[len(prefix) :].split("-")[0])
            if path.stat().st_uid == os.getuid() and pid != os.getpid():
                os.kill(pid, 0)  # raises ProcessLookupError when that process is gone
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except (ValueError, OSError):
            continue


_NAME = re.compile(r"^memlab-.*-(\d+)-[a-z0-9_]+$")  # prefix, process id, mkdtemp's random part


def remove_folders_of(pid: int) -> int:
    """Delete the private folders made by process ``pid`` (which has ended); return how many."""
    removed = 0
    for path in Path(tempfile.gettempdir()).glob("memlab-*"):
        match = _NAME.match(path.name)
        if match and int(match.group(1)) == pid and path.is_dir() and path.stat().st_uid == os.getuid():
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


class PrivateFolder:
    """A fresh temporary folder, deleted with its owner (see the module docstring).

    Args:
        owner: the object whose garbage collection deletes the folder.
        prefix: the start of the folder's name (the process id and a random part follow).
        stop: an event set before the folder is deleted, which background work must watch.
        threads: a list of the background threads writing into the folder (joined before the second delete).
    """

    def __init__(self, owner, prefix: str, stop: threading.Event, threads: list):
        if not prefix.startswith("memlab-") or not prefix.endswith("-"):
            raise ValueError(f"a private folder's prefix starts with 'memlab-' and ends with '-', not {prefix!r}")
        _remove_orphans(prefix)
        self.path = Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-"))  # mode 0700
        self.closed = threading.Event()  # set once deletion has begun: no one is left to tell
        parts = (self.path, self.closed, stop, threads)
        _folders.append(parts)
        self._finalizer = weakref.finalize(owner, _delete, *parts)
        _handle_sigterm()

    def close(self):
        self._finalizer()
