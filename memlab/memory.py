"""Giving freed memory back to the system after a burst of work.

A Generate click allocates temporaries (the sampler's arrays, ONNX Runtime's buffers, the search's
distances, the pictures) and frees them; glibc's allocator keeps most of the freed pages for later, so a
dashboard kernel that has answered a click stays ~8 MB larger than it needs (69.4 -> 61.1 MB of
anonymous memory once given back, `python benchmarks/kernel.py`, 6 Dec 2026). With one
kernel per visitor that is 8 MB per visitor. ``give_back()`` asks glibc to return them (``malloc_trim``,
a few milliseconds); with another C library (macOS, musl) it does nothing.
"""

import ctypes
import functools


@functools.lru_cache(maxsize=None)
def _malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim    # glibc's, found in the running process
    except (OSError, AttributeError):
        return None


def give_back() -> bool:
    """Return the freed heap pages to the system; False where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
