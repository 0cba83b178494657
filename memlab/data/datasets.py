"""MNIST and Fashion-MNIST (downloaded through torchvision, read by ``memlab.data.idx``), plus seeded training subsets.

Where the files are looked for, in order:

1. ``$MEMLAB_DATA`` (torchvision's layout: ``MNIST/raw/...``, ``FashionMNIST/raw/...``); may be read-only;
2. the per-user cache ``$XDG_CACHE_HOME/memlab/data/datasets`` (default ``~/.cache/memlab/data/datasets``);
3. for Fashion-MNIST, Debian's ``dataset-fashion-mnist`` files in ``/usr/share/datasets/fashion-mnist``.

When none has the files, torchvision downloads them into the first writable folder of
1 and 2 (with a progress bar), unless ``MEMLAB_OFFLINE=1``. Offline, a
``DataUnavailableError`` names the dataset, the folders searched and the fix.
Images are returned as stored: ``uint8`` (see ``memlab.data.pixels``).
"""

import functools
import gzip
import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from memlab.data.idx import IdxError, read_idx
from memlab.errors import DataCorruptError, DataUnavailableError, unknown_name

DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")

FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

# name -> (torchvision class name, class names)
DATASETS = {
    "mnist": ("MNIST", tuple(str(d) for d in range(10))),
    "fashion": ("FashionMNIST", FASHION_CLASSES),
}
# name -> what a person calls it
DATASET_NAMES = {"mnist": "MNIST", "fashion": "Fashion-MNIST"}
SPLITS = ("train", "test")
RAW_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


@dataclass(frozen=True, eq=False)
class ImageSet:
    """One split of a dataset, held in memory (read-only arrays, mapped from memlab's cache where it can
    be written: see ``_read_mapped``)."""

    name: str  # "mnist" or "fashion"
    split: str  # "train" or "test"
    images: np.ndarray  # (N, 28, 28) uint8 grey levels
    labels: np.ndarray  # (N,) int64 class ids
    classes: tuple  # class id -> human name
    sha256: str = ""  # of images and labels (disk_cache.fingerprint): what derived arrays depend on

    def __len__(self):
        return len(self.labels)


def check_dataset_name(name: str) -> str:
    if name not in DATASETS:
        raise unknown_name("dataset", name, DATASETS)
    return name


def data_roots() -> list[Path]:
    """The folders searched for datasets, in order."""
    roots = []
    if os.environ.get("MEMLAB_DATA"):
        roots.append(Path(os.environ["MEMLAB_DATA"]).expanduser())
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")).expanduser()
    roots.append(cache / "memlab" / "data")
    return roots


def _has_raw_files(root: Path, folder: str) -> bool:
    return all((root / folder / "raw" / f).is_file() for f in RAW_FILES)


def _writable(root: Path) -> bool:
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(root, os.W_OK)


def _import_debian_fashion(root: Path) -> bool:
    """Copy Debian's Fashion-MNIST files (gzipped or not) into ``root``'s torchvision layout."""
    if not DEBIAN_FASHION.is_dir() or not _writable(root):
        return False
    raw = root / "FashionMNIST" / "raw"
    for f in RAW_FILES:
        plain, zipped = DEBIAN_FASHION / f, DEBIAN_FASHION / (f + ".gz")
        if not plain.is_file() and not zipped.is_file():
            return False
    raw.mkdir(parents=True, exist_ok=True)
    for f in RAW_FILES:
        plain, zipped = DEBIAN_FASHION / f, DEBIAN_FASHION / (f + ".gz")
        if plain.is_file():
            shutil.copyfile(plain, raw / f)
        else:
            with gzip.open(zipped, "rb") as src, open(raw / f, "wb") as dst:
                shutil.copyfileobj(src, dst)
    return True


def _download(dataset_cls, root: Path):
    """Download through torchvision (it shows a progress bar). Split out so tests can stub it."""
    dataset_cls(str(root), train=True, download=True)


def _locate(name: str) -> Path:
    """Find (or fetch) the folder holding ``name``'s raw files and return it."""
    folder = DATASETS[name][0]
    roots = data_roots()
    for root in roots:
        if _has_raw_files(root, folder):
            return root
    if name == "fashion" and _import_debian_fashion(roots[-1]):
        return roots[-1]
    searched = [str(r / folder / "raw") for r in roots]
    if name == "fashion":
        searched.append(str(DEBIAN_FASHION))
    fix = (
        "Set MEMLAB_DATA to a folder holding MNIST/raw/ and FashionMNIST/raw/ in torchvision's "
        "layout (e.g. MEMLAB_DATA=../shared/data), or connect to the internet and retry"
    )
    if name == "fashion":
        fix += ", or install Debian's dataset-fashion-mnist package"
    if os.environ.get("MEMLAB_OFFLINE") == "1":
        raise DataUnavailableError(
            f"Dataset {name!r} not found and MEMLAB_OFFLINE=1 forbids downloading. "
            f"Searched: {', '.join(searched)}. {fix}."
        )
    target = next((r for r in roots if _writable(r)), None)
    if target is None:
        raise DataUnavailableError(
            f"Dataset {name!r} not found and no writable folder to download it into. "
            f"Searched: {', '.join(searched)}. {fix}."
        )
    import torchvision.datasets as tvd

    try:
        _download(getattr(tvd, folder), target)
    except Exception as err:  # urllib, socket and HTTP errors all mean "could not fetch"
        raise DataUnavailableError(
            f"Dataset {name!r} not found and the download failed ({err}). Searched: {', '.join(searched)}. {fix}."
        ) from err
    return target


def _read_mapped(entry: str, images_file: Path, labels_file: Path) -> tuple[np.ndarray, np.ndarray, str]:
    """The idx files' images and int64 labels, read once per machine into ``memlab.data.disk_cache`` as .npy
    files that every process maps read-only: a class of kernels shares one copy of the 47 MB of pixels.
    Also their sha256 (``disk_cache.fingerprint``), so no kernel reads every pixel to compute it again.

    The entry's key is the files' paths, sizes and modification times: a replaced file misses."""
    from memlab.data.disk_cache import fingerprint, load_or_compute

    def read():
        images, labels = read_idx(images_file), read_idx(labels_file).astype(np.int64)
        return {"images": images, "labels": labels, "sha256": np.array(fingerprint(images, labels))}

    key = {
        "files": [[str(f.resolve()), f.stat().st_size, f.stat().st_mtime_ns] for f in (images_file, labels_file)],
        "holds": ["images", "labels", "sha256"],
    }
    arrays = load_or_compute(entry, key, read)
    return arrays["images"], arrays["labels"], str(arrays["sha256"])


@functools.lru_cache(maxsize=8)
def _load_cached(name: str, split: str, root: str) -> ImageSet:
    folder, classes = DATASETS[name]
    raw = Path(root) / folder / "raw"
    prefix = "train" if split == "train" else "t10k"
    try:
        images, labels, sha256 = _read_mapped(
            f"data-{name}-{split}", raw / f"{prefix}-images-idx3-ubyte", raw / f"{prefix}-labels-idx1-ubyte"
        )
    except (OSError, IdxError) as err:
        raise DataCorruptError(
            f"The {name} {split} files in {raw} cannot be read ({type(err).__name__}: {err}). "
            "They are truncated or corrupt: delete them and let memlab download them again, or "
            "point MEMLAB_DATA at a good copy."
        ) from err
    expected = 60000 if split == "train" else 10000
    if images.shape != (expected, 28, 28) or labels.shape != (expected,) or labels.max() > 9:
        raise DataCorruptError(
            f"The {name} {split} files in {raw} hold images {images.shape} and labels {labels.shape}; "
            f"expected ({expected}, 28, 28) and ({expected},) with labels 0..9. Replace the files."
        )
    images.setflags(write=False)
    labels.setflags(write=False)
    return ImageSet(name, split, images, labels, classes, sha256)


def load(name: str, split: str = "train") -> ImageSet:
    """Load one split of a dataset as uint8 images and int64 labels.

    Args:
        name: ``"mnist"`` or ``"fashion"``.
        split: ``"train"`` (60 000 images) or ``"test"`` (10 000).
    """
    check_dataset_name(name)
    if split not in SPLITS:
        raise unknown_name("split", split, SPLITS)
    return _load_cached(name, split, str(_locate(name)))


def subset_indices(total: int, size: int, seed: int) -> np.ndarray:
    """The sorted indices of a training subset of ``size`` images drawn by ``seed``.

    ``size == total`` gives every index. The same (total, size, seed) always gives the same indices.
    """
    if not 1 <= size <= total:
        raise ValueError(
            f"A training subset of {size} images was asked for, but the dataset has "
            f"{total}; choose a size from 1 to {total}."
        )
    if size == total:
        return np.arange(total, dtype=np.int64)
    import torch  # here, not at the top: reading the data needs no PyTorch

    generator = torch.Generator().manual_seed(seed)
    chosen = torch.randperm(total, generator=generator)[:size]
    return np.sort(chosen.numpy()).astype(np.int64)


def indices_sha256(indices: np.ndarray) -> str:
    """A fingerprint of a subset: sha256 of its int64 indices."""
    return hashlib.sha256(np.asarray(indices, dtype="<i8").tobytes()).hexdigest()
