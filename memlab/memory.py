"""Giving freed memory back to the system after a burst of work.

A Generate click allocates temporaries (the sampler's arrays, ONNX Runtime's buffers, the search's
distances, the pictures) and frees them; glibc's allocator keeps most of the freed pages for later, so a
dashboard kernel that has answered a click stays ~7-10 MB larger than it needs (68-71 -> 61-62 MB of
private memory once given back, a kernel started as a new Python, `python benchmarks/kernel.py`, 6 Dec 2026). With one
kernel per visitor that is 8 MB per visitor. ``give_back()`` asks glibc to return them (``malloc_trim``,
a few milliseconds); with another C library (macOS, musl) it does nothing.
"""

import ctypes
import functools


@functools.cache
def _malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc's, found in the running process
    except (OSError, AttributeError):
        return None


def give_back() -> bool:
    """Return the freed heap pages to the system; False where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
