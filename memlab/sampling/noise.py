"""Where a seeded sample's randomness comes from: one NumPy stream, the same in every engine.

A seed (an int, or a ``numpy.random.Generator`` you already hold) becomes
``np.random.default_rng(seed)``, and every random number a sampler needs is drawn from it, in the
order the sampler needs them, as float32 standard normals:

1. the starting noise x_T (diffusion) or the latent z (GAN);
2. DDPM's fresh noise at every step but the last (DDIM with eta = 0 needs none).

The PyTorch models turn these arrays into tensors (``torch.from_numpy``) and the ONNX Runtime models
use them as they are, so the same seed gives the same image in both (to rounding). This module does
not import PyTorch.
"""

import numpy as np


def stream(seed) -> np.random.Generator:
    """The random stream for ``seed``: an int, a ``numpy.random.Generator`` (used as it is) or None
    (fresh entropy: a different sample every time)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int or a numpy.random.Generator, got {type(seed).__name__}.")
    return np.random.default_rng(None if seed is None else int(seed))


def normal(rng: np.random.Generator, shape) -> np.ndarray:
    """Standard normal noise of ``shape``, float32 (drawn as float32, not rounded from float64)."""
    return rng.standard_normal(shape, dtype=np.float32)
