"""Binder's postBuild step 3: put MNIST and Fashion-MNIST in place and check every file's SHA-256.

``memlab.data.datasets`` finds the files (``$MEMLAB_DATA``, then ``~/.cache/memlab/data/datasets``) or downloads them
through torchvision. A mirror that answers with an error page or a cut-off file must fail the build
here, loudly, rather than in a lesson, so each raw file is compared with the checksums below (those of
the files torchvision unpacks; the same as the project's shared data copy's SHA256SUMS).

Run: ``python binder/fetch_data.py`` (exit 0: all verified; exit 1: the message names the bad file).
"""

import hashlib
import sys
from pathlib import Path

from memlab.data import datasets as data
from memlab.errors import MemlabError

SHA256 = {
    "MNIST/raw/train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "MNIST/raw/train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "MNIST/raw/t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "MNIST/raw/t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    "FashionMNIST/raw/train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "FashionMNIST/raw/train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "FashionMNIST/raw/t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "FashionMNIST/raw/t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def folder_holding(name: str) -> Path:
    """The data root that memlab.data.datasets reads ``name`` from (downloading it first if no root has it)."""
    data.load(name, "train")
    data.load(name, "test")
    folder = data.DATASETS[name][0]
    for root in data.data_roots():
        if all((root / key).is_file() for key in SHA256 if key.startswith(folder + "/")):
            return root
    raise MemlabError(f"memlab loaded {name} but none of {data.data_roots()} holds its raw files.")


def main() -> int:
    try:
        for name in data.DATASETS:
            root = folder_holding(name)
            folder = data.DATASETS[name][0]
            for key, expected in SHA256.items():
                if key.startswith(folder + "/") and sha256(root / key) != expected:
                    print(
                        f"fetch_data: {root / key} has the wrong SHA-256 (expected {expected}): the "
                        "download is corrupt or a mirror sent something else. Delete it and rebuild.",
                        file=sys.stderr,
                    )
                    return 1
            print(f"fetch_data: {name} verified in {root / folder / 'raw'} (SHA-256 of 4 files)")
    except (MemlabError, ValueError) as err:
        print(f"fetch_data: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
