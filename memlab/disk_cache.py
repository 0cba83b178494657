"""Arrays that every fresh kernel would otherwise spend seconds on, computed once per machine and kept on disk.

A dashboard visitor's first click needs the search index of the dataset's 60 000 training images (its
PCA sketch: about 2 s to build on 2 cores) and the natural baseline (2 000 unseen test images searched
like a sample, in both scopes, and how "typical" they look: about 5 s more). These never change for a
given dataset and classifier, so the first kernel that builds them stores them here, and every later
kernel (another visitor, another student, a restarted notebook) loads them in milliseconds.

Each entry is named by a *key*: a dict of everything its value depends on (the data's sha256, the
classifier's weights sha256, the settings, ``FORMAT``). Its file name holds a hash of the key, and the
key is stored beside the arrays and compared on load, so a changed input can never return a stale
value: it simply misses, and is computed again.

The folder is ``$MEMLAB_CACHE``, else ``$XDG_CACHE_HOME/memlab``, else ``~/.cache/memlab``. If it cannot
be written (a read-only home), values are computed in memory as before: the cache only saves time.
``memlab prepare`` fills it ahead of time (Binder's postBuild and ``memlab dashboard`` run it).
"""

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

FORMAT = 1   # bump when what an entry holds changes meaning


def cache_dir() -> Path:
    if os.environ.get("MEMLAB_CACHE"):
        return Path(os.environ["MEMLAB_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "memlab"


def fingerprint(*arrays: np.ndarray) -> str:
    """sha256 over arrays' dtypes, shapes and bytes (about 50 ms for a 47 MB training set)."""
    digest = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype.str}{a.shape}".encode())
        digest.update(memoryview(a).cast("B"))
    return digest.hexdigest()


def _key_text(key: dict) -> str:
    return json.dumps({**key, "format": FORMAT}, sort_keys=True)


def path_for(name: str, key: dict) -> Path:
    return cache_dir() / f"{name}-{hashlib.sha256(_key_text(key).encode()).hexdigest()[:16]}.npz"


def load_or_compute(name: str, key: dict, compute) -> dict[str, np.ndarray]:
    """The arrays ``compute()`` returns (a dict of name -> array), from disk when an entry for ``key`` exists.

    Args:
        name: a readable prefix for the file, e.g. ``"index-mnist"``.
        key: JSON-able dict of everything the arrays depend on.
        compute: called with no arguments when the entry is missing, unreadable or for another key.
    """
    path, wanted = path_for(name, key), _key_text(key)
    try:
        with np.load(path, allow_pickle=False) as stored:
            if str(stored["__key__"]) == wanted:
                return {k: stored[k] for k in stored.files if k != "__key__"}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):   # missing, truncated, foreign
        pass
    arrays = compute()
    _store(path, wanted, arrays)
    return arrays


def _store(path: Path, key_text: str, arrays: dict):
    """Write atomically (a temporary file, then a rename), so a concurrent reader never sees half a file;
    any failure (read-only or full disk) leaves the cache as it was."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, __key__=np.array(key_text), **arrays)
        os.chmod(tmp, 0o644)    # readable by every user of a shared cache (a class server)
        os.replace(tmp, path)
        tmp = None
    except OSError:
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
