"""Arrays that every fresh kernel would otherwise spend seconds on, computed once per machine and kept on disk.

A dashboard visitor's first click needs the search index of the dataset's 60 000 training images (its
PCA sketch: about 2 s to build on 2 cores) and the natural baseline (2 000 unseen test images searched
like a sample, in both scopes, and how "typical" they look: about 5 s more). These never change for a
given dataset and classifier, so the first kernel that builds them stores them here, and every later
kernel (another visitor, another student, a restarted notebook) loads them in milliseconds.

Each entry is named by a *key*: a dict of everything its value depends on (the data's sha256, the
classifier's weights sha256, the settings, ``FORMAT``). Its folder name holds a hash of the key, and the
key is stored beside the arrays and compared on load, so a changed input can never return a stale
value: it simply misses, and is computed again.

An entry is a folder of plain ``.npy`` files (one per array) and ``key.json``, and it is read with
``np.load(..., mmap_mode="r")``: the arrays are read-only maps of the files, so every kernel on a
machine shares the same pages of memory instead of holding its own copy (a class of 20 visitors holds
one search index, not 20). A folder is written whole under a temporary name and then renamed, so a
reader never sees half an entry.

The folder is ``$MEMLAB_CACHE``, else ``$XDG_CACHE_HOME/memlab``, else ``~/.cache/memlab``. If it cannot
be written (a read-only home), values are computed in memory as before: the cache only saves time.
``memlab prepare`` fills it ahead of time (Binder's postBuild and ``memlab dashboard`` run it).
"""

import contextlib
import hashlib
import json
import mmap
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

FORMAT = 2  # bump when what an entry holds changes meaning (2: a folder of .npy files, memory-mapped)
KEY_FILE = "key.json"
_computing_allowed = True  # False inside only_what_is_stored()


class NotStoredError(LookupError):
    """An entry is missing and ``only_what_is_stored()`` forbids computing it."""


@contextlib.contextmanager
def only_what_is_stored():
    """Within this block, ``load_or_compute`` reads entries but never computes a missing one: it raises
    ``NotStoredError``. For a process that must not spend seconds on work it was not asked for (the
    dashboard's kernel parent, ``memlab.server.kernel_parent``). Not thread-safe: the setting is the process's."""
    global _computing_allowed
    before, _computing_allowed = _computing_allowed, False
    try:
        yield
    finally:
        _computing_allowed = before


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
    """The entry's folder."""
    return cache_dir() / f"{name}-{hashlib.sha256(_key_text(key).encode()).hexdigest()[:16]}"


def load_or_compute(name: str, key: dict, compute) -> dict[str, np.ndarray]:
    """The arrays ``compute()`` returns (a dict of name -> array), from disk when an entry for ``key`` exists.

    Arrays read from disk are read-only memory maps (``np.memmap``); freshly computed ones are returned
    as ``compute()`` gave them. Either way, do not write into them.

    Args:
        name: a readable prefix for the folder, e.g. ``"index-mnist"``.
        key: JSON-able dict of everything the arrays depend on.
        compute: called with no arguments when the entry is missing, unreadable or for another key.

    Raises:
        NotStoredError: the entry is missing inside ``only_what_is_stored()``.
    """
    path, wanted = path_for(name, key), _key_text(key)
    stored = _read(path, wanted)
    if stored is not None:
        return stored
    if not _computing_allowed:
        raise NotStoredError(f"{path} is not in the disk cache (run `memlab prepare`).")
    arrays = compute()
    _store(path, wanted, arrays)
    return arrays


def _read(path: Path, wanted: str) -> dict[str, np.ndarray] | None:
    """The entry's arrays, mapped read-only; None when it is missing, truncated, foreign or for another key."""
    try:
        about = json.loads((path / KEY_FILE).read_text())
        if about["key"] != wanted:
            return None
        return {name: _map(path / f"{name}.npy") for name in about["arrays"]}
    except (OSError, ValueError, KeyError, TypeError, EOFError):  # missing, truncated, foreign
        return None


def _map(file: Path) -> np.ndarray:
    array = np.load(file, mmap_mode="r", allow_pickle=False)
    if array.size == 0:  # nothing to map (an empty file cannot be mapped): a plain copy
        array = np.load(file, allow_pickle=False)
        array.setflags(write=False)
    return array


def _store(path: Path, key_text: str, arrays: dict):
    """Write the folder under a temporary name, then rename it into place, so a concurrent reader never
    sees half an entry; any failure (read-only or full disk) leaves the cache as it was."""
    tmp = old = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp"))
        for name, array in arrays.items():
            np.save(tmp / f"{name}.npy", np.asarray(array), allow_pickle=False)
            os.chmod(tmp / f"{name}.npy", 0o644)  # readable by every user of a shared cache (a class server)
        (tmp / KEY_FILE).write_text(json.dumps({"key": key_text, "arrays": list(arrays)}))
        os.chmod(tmp / KEY_FILE, 0o644)
        os.chmod(tmp, 0o755)
        if path.exists():  # a damaged entry: move it aside first (a folder cannot replace a full one)
            old = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}-", suffix=".old"))
            os.replace(path, old / "entry")
        os.replace(tmp, path)
        tmp = None
    except (OSError, ValueError):  # ValueError: an array numpy will not store without pickling
        pass
    finally:
        for leftover in (tmp, old):
            if leftover is not None:
                shutil.rmtree(leftover, ignore_errors=True)


FEW_ROWS = 1024  # read_rows reads at most this many rows from the file (~4 ms); more, through the map


def read_rows(array: np.ndarray, rows) -> np.ndarray:
    """``array[rows]`` (``rows``: integer positions along the first axis); up to ``FEW_ROWS`` of them read
    from the file when ``array`` is one of this cache's memory maps.

    Read through the map, each row would map into this process the file's pages around it too: Linux
    maps as much of its page cache as it holds there (~400 kB a row, measured), so a dashboard kernel
    that had scored a few hundred scattered training images counted ~70 MB of images it never read in
    its memory (RSS and PSS; ``tests/fast/test_disk_cache.py``, ``python benchmarks/kernel.py``). Read with ``os.preadv``, a row costs its
    own bytes, and ~4 us: a click reads tens of rows. A batch (the audit, thousands of queries) reads
    many more, most pages anyway, 40x faster through the map.
    """
    rows = np.asarray(rows, dtype=np.int64).reshape(-1)
    owner = array  # the memory map this array views, if any
    while owner is not None and not isinstance(owner, np.memmap):
        owner = owner.base if isinstance(owner, np.ndarray) else None
    mapped = getattr(owner, "_mmap", None)
    if mapped is None or not array.flags.c_contiguous or not len(rows) or len(rows) > FEW_ROWS:
        return np.asarray(array[rows])
    if rows.min() < -len(array) or rows.max() >= len(array):
        raise IndexError(
            f"row {rows.max() if rows.max() >= len(array) else rows.min()} is out of bounds for {len(array)} rows"
        )
    rows = np.where(rows < 0, rows + len(array), rows)
    row_bytes = array[0].nbytes
    # where the array's first byte is in the file: the map starts at an aligned offset below ``owner.offset``
    map_start = owner.offset - owner.offset % mmap.ALLOCATIONGRANULARITY
    first = map_start + array.ctypes.data - np.frombuffer(mapped, np.uint8).ctypes.data
    out = np.empty((len(rows),) + array.shape[1:], array.dtype)
    flat = out.reshape(len(rows), -1).view(np.uint8)
    with open(owner.filename, "rb") as file:
        for i, row in enumerate(rows.tolist()):
            if os.preadv(file.fileno(), [flat[i]], first + row * row_bytes) != row_bytes:
                raise OSError(f"{owner.filename} is shorter than its header says")
    return out
