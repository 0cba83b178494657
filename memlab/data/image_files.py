"""Reading query images from files and writing sample grids.

Uploaded or command-line images can be any size and colour: they are converted to
28 x 28 grey, white-on-black like MNIST when the image is mostly light (``invert="auto"``).
"""

import io
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from memlab.data.pixels import SIZE, as_unit_images, unit_to_uint8

# What an upload may be. The file: 10 MB, and the websocket message that carries it 1 MiB more (its
# envelope), so that a file a little too large still reaches the app's own size check and its words;
# voila.json and jupyter_config/ set that message limit (tests/test_binder.py holds them to it).
MAX_UPLOAD_BYTES = 10_000_000
WEBSOCKET_LIMIT_BYTES = MAX_UPLOAD_BYTES + 2**20
# The picture: decoding costs width x height x bytes-per-pixel, and the conversion to grey one byte
# per pixel more, so that cost is checked from the file's header, before any pixel is decoded: at most
# MAX_DECODE_BYTES (a 12-megapixel RGB PNG, a phone photo's size, just fits). A JPEG is first set to
# decode at 1/2, 1/4 or 1/8 scale (Pillow's draft mode), so even a large photo costs a few MB.
MAX_DECODE_BYTES = 48_000_000
# The formats decoded: PNG and JPEG only. Pillow knows some forty more (JPEG 2000, WebP, QOI, SGI, DDS,
# EPS through Ghostscript, ...), whose decoders are larger attack surfaces and whose headers do not
# bound their memory the same way (a 12-megapixel JPEG 2000 took +215 MB, a WebP +163 MB).
FORMATS = ("PNG", "JPEG")
_BYTES_PER_PIXEL = {
    "1": 1,
    "L": 1,
    "P": 1,
    "LA": 2,
    "PA": 2,
    "La": 2,
    "I;16": 2,
    "RGB": 3,
    "YCbCr": 3,
    "LAB": 3,
    "HSV": 3,
}  # every other mode (RGBA, CMYK, I, F, ...): 4


def image_from_bytes(content: bytes, name: str = "upload", invert="auto") -> np.ndarray:
    """Decode a PNG/JPEG (any size, any colour) into a (28, 28) uint8 grey image.

    Args:
        content: the file's bytes.
        name: what to call it in error messages.
        invert: True, False or "auto" (invert when the mean grey level is above 127, so a dark
            digit on white paper becomes MNIST's light digit on black).
    """
    if not content:
        raise ValueError(f"{name} is empty: choose a PNG or JPEG image.")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValueError(
            f"{name} is {len(content) / 1e6:.1f} MB; the limit is "
            f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB. Choose a smaller picture."
        )
    refuse_other_formats(content, name)
    try:
        with Image.open(io.BytesIO(content), formats=FORMATS) as img:  # reads the header only
            img.draft("L", (4 * SIZE, 4 * SIZE))  # JPEG: decode at 1/2, 1/4 or 1/8 scale
            cost = img.width * img.height * (_BYTES_PER_PIXEL.get(img.mode, 4) + 1)
            if cost > MAX_DECODE_BYTES:
                raise ValueError(
                    f"{name} is {img.width:,} x {img.height:,} pixels: too large to read here "
                    f"(up to about {MAX_DECODE_BYTES / 4e6:.0f} megapixels in colour). Shrink it "
                    "first; 28 x 28 is all the search uses."
                )
            grey = img.convert("L").resize((SIZE, SIZE), Image.Resampling.LANCZOS)
    except UnidentifiedImageError as err:  # PIL's text names an internal object: not for the user
        raise ValueError(f"{name} is not an image memlab can read. Use a PNG or JPEG file.") from err
    except (OSError, Image.DecompressionBombError) as err:
        raise ValueError(f"{name} is not an image memlab can read ({err}). Use a PNG or JPEG file.") from err
    pixels = np.asarray(grey, dtype=np.uint8)
    if invert is True or (invert == "auto" and pixels.mean() > 127):
        pixels = 255 - pixels
    return pixels


def refuse_other_formats(content: bytes, name: str):
    """Refuse, in words, a picture in a format other than PNG or JPEG, from its first bytes alone (the
    signature tests of Pillow's own plugins, which decode nothing); content nobody recognises is left
    for ``Image.open`` to refuse."""
    Image.init()  # registers every plugin Pillow has
    head = content[:16]  # what Image.open reads to recognise a format
    if any(Image.OPEN[format_id][1](head) for format_id in FORMATS):
        return  # (a phone's MPO photo is a JPEG too, and read as one)
    for format_id in Image.ID:
        factory, accepts = Image.OPEN[format_id]
        if accepts is not None and accepts(head):
            described = getattr(factory, "format_description", None) or format_id
            raise ValueError(f"{name} is {described}, not PNG or JPEG: upload a PNG or JPEG.")


def load_queries(path) -> np.ndarray:
    """Queries from a PNG/JPEG file (one image) or a ``.npy`` of shape (N, 28, 28); returns 0..1 floats."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"No file at {path}: give a PNG/JPEG image or a .npy array of shape (N, 28, 28).")
    if path.suffix.lower() == ".npy":
        try:
            array = np.load(path, allow_pickle=False)
        except ValueError as err:
            raise ValueError(f"{path} is not a plain numpy array ({err}).") from err
        return as_unit_images(array, str(path))
    return as_unit_images(image_from_bytes(path.read_bytes(), str(path)), str(path))


def grid(images, columns: int = 10) -> np.ndarray:
    """Tile (N, 28, 28) images (0..1) into one uint8 picture with 2-pixel gaps."""
    images = unit_to_uint8(as_unit_images(images, "images"))
    rows = -(-len(images) // columns)
    columns = min(columns, len(images))
    out = np.zeros((rows * (SIZE + 2) + 2, columns * (SIZE + 2) + 2), dtype=np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, columns)
        out[2 + r * (SIZE + 2) : 2 + r * (SIZE + 2) + SIZE, 2 + c * (SIZE + 2) : 2 + c * (SIZE + 2) + SIZE] = img
    return out


def save_grid(images, path, columns: int = 10, scale: int = 3) -> Path:
    """Save images as one PNG grid, enlarged ``scale`` times (nearest neighbour)."""
    picture = Image.fromarray(grid(images, columns))
    picture = picture.resize((picture.width * scale, picture.height * scale), Image.Resampling.NEAREST)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    picture.save(path)
    return path
