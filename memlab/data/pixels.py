"""The one pixel convention memlab uses.

* **stored**: ``uint8`` grey levels 0..255, shape ``(N, 28, 28)`` (what MNIST ships);
* **metrics**: ``float`` on the 0..1 scale (grey level / 255), used by every distance;
* **models**: ``float`` on the -1..1 scale (0..1 mapped by ``2x - 1``), what networks see and produce.

``as_unit_images`` is the single gate every user-supplied image passes through: it
accepts the shapes and dtypes people actually have and rejects anything else with a
``ValueError`` that says what was wrong.
"""

import sys

import numpy as np


def is_tensor(x) -> bool:
    """Whether ``x`` is a torch.Tensor, without importing PyTorch: no tensor exists before it is (the
    dashboard draws its controls first and imports PyTorch in the background)."""
    tensor = getattr(sys.modules.get("torch"), "Tensor", None)  # None while nothing imported it
    return tensor is not None and isinstance(x, tensor)


SIZE = 28  # MNIST and Fashion-MNIST images are 28 x 28, one channel


def unit_to_model(x):
    """0..1 -> -1..1."""
    return x * 2.0 - 1.0


def model_to_unit(x):
    """-1..1 -> 0..1, clipped (a sampler can overshoot slightly)."""
    if is_tensor(x):
        return ((x + 1.0) / 2.0).clamp(0.0, 1.0)
    return np.clip((x + 1.0) / 2.0, 0.0, 1.0)


def uint8_to_unit(x):
    """0..255 grey levels -> 0..1 float32."""
    return np.asarray(x, dtype=np.float32) / 255.0


def unit_to_uint8(x):
    """0..1 -> 0..255 grey levels, rounded."""
    x = x.detach().cpu().numpy() if is_tensor(x) else np.asarray(x)
    return np.round(np.clip(x, 0.0, 1.0) * 255.0).astype(np.uint8)


def as_unit_images(images, name="query") -> np.ndarray:
    """Check user images and return them as float32 ``(N, 28, 28)`` on the 0..1 scale.

    Args:
        images: an array or tensor of shape ``(28, 28)``, ``(N, 28, 28)`` or
            ``(N, 1, 28, 28)``; ``uint8`` grey levels 0..255, or floats on 0..1.
        name: what to call the images in an error message.

    Raises:
        ValueError: wrong shape, an unsupported dtype, values out of range, NaN or inf.
    """
    if is_tensor(images):
        images = images.detach().cpu().numpy()
    images = np.asarray(images)
    if images.dtype == np.bool_ or images.dtype.kind not in "uif":
        raise ValueError(f"{name} has dtype {images.dtype}; give uint8 grey levels (0..255) or floats on 0..1.")
    if images.ndim == 2:
        images = images[None]
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3 or images.shape[1:] != (SIZE, SIZE):
        raise ValueError(
            f"{name} has shape {tuple(np.shape(images))}; expected (28, 28), (N, 28, 28) or "
            "(N, 1, 28, 28). Resize other images to 28 x 28 grey first (memlab.data.image_files.load_image does)."
        )
    if images.shape[0] == 0:
        raise ValueError(f"{name} holds no images (N = 0).")
    if images.dtype.kind in "ui":
        if images.min() < 0 or images.max() > 255:
            raise ValueError(f"{name} is an integer array with values outside 0..255.")
        return images.astype(np.float32) / 255.0
    if not np.isfinite(images).all():
        raise ValueError(f"{name} contains NaN or infinite values.")
    if images.min() < -1e-6 or images.max() > 1.0 + 1e-6:
        raise ValueError(
            f"{name} has float values in [{images.min():.3g}, {images.max():.3g}]; floats must lie "
            "on 0..1 (divide grey levels by 255, or map -1..1 model output with (x + 1) / 2)."
        )
    return np.clip(images, 0.0, 1.0).astype(np.float32)
