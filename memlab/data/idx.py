"""Reading the IDX files MNIST and Fashion-MNIST ship in (LeCun's format).

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions), one
big-endian uint32 per dimension, then the values. MNIST uses unsigned bytes (type 0x08) only.
Reading them here, rather than through torchvision, keeps ~160 MB of imports out of every kernel.
"""

from pathlib import Path

import numpy as np

UNSIGNED_BYTE = 0x08


class IdxError(ValueError):
    """The file is not a well-formed IDX file of unsigned bytes."""


def read_idx(path) -> np.ndarray:
    """The uint8 array stored in the IDX file ``path``, shaped as the header says."""
    raw = Path(path).read_bytes()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise IdxError(f"{path} does not start with an IDX magic number.")
    if raw[2] != UNSIGNED_BYTE:
        raise IdxError(f"{path} holds IDX type 0x{raw[2]:02x}; MNIST files hold unsigned bytes (0x08).")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IdxError(f"{path} ends inside its header.")
    shape = tuple(int(n) for n in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise IdxError(
            f"{path} holds {len(raw) - header} bytes of data; its header {shape} "
            f"promises {expected}. The file is truncated or padded."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)
