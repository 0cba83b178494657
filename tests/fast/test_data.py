import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from memlab.data import datasets as data
from memlab.errors import DataCorruptError, DataUnavailableError, UnknownNameError


def test_real_mnist_and_fashion_load_as_uint8(mnist, mnist_test):
    assert mnist.images.shape == (60000, 28, 28) and mnist.images.dtype == np.uint8
    assert mnist_test.images.shape == (10000, 28, 28)
    assert sorted(np.unique(mnist.labels).tolist()) == list(range(10))
    fashion = data.load("fashion", "train")
    assert fashion.classes[9] == "Ankle boot" and fashion.images.shape == (60000, 28, 28)
    assert not np.array_equal(fashion.images[:10], mnist.images[:10])


def test_loading_never_writes_to_the_data_root(tmp_path, monkeypatch):
    """The data root may be read-only (CI's is): loading must not create or change any file there."""
    raw = copy_mnist(tmp_path)
    for f in raw.iterdir():
        f.chmod(0o444)
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    monkeypatch.setenv("MEMLAB_DATA", str(tmp_path))
    data._load_cached.cache_clear()
    assert len(data.load("mnist", "test")) == 10000
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == before


def test_unknown_dataset_and_split_list_the_valid_names():
    with pytest.raises(UnknownNameError, match="mnist, fashion|fashion, mnist"):
        data.load("cifar")
    with pytest.raises(UnknownNameError, match="test, train"):
        data.load("mnist", "validation")


@pytest.fixture
def empty_roots(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMLAB_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(data, "DEBIAN_FASHION", tmp_path / "no-debian")
    return tmp_path


def test_missing_data_while_offline_says_where_it_looked_and_what_to_do(empty_roots, monkeypatch):
    monkeypatch.setenv("MEMLAB_OFFLINE", "1")
    with pytest.raises(DataUnavailableError) as err:
        data.load("fashion")
    message = str(err.value)
    assert "'fashion'" in message and str(empty_roots / "data" / "FashionMNIST" / "raw") in message
    assert "MEMLAB_DATA" in message and "dataset-fashion-mnist" in message


def test_failed_download_becomes_a_clear_error(empty_roots, monkeypatch):
    monkeypatch.delenv("MEMLAB_OFFLINE", raising=False)

    def no_network(dataset_cls, root):
        raise OSError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(data, "_download", no_network)
    with pytest.raises(DataUnavailableError, match="download failed.*name resolution.*MEMLAB_DATA"):
        data.load("mnist")


def copy_mnist(tmp_path):
    src = Path(os.environ["MEMLAB_DATA"]) / "MNIST" / "raw"
    dst = tmp_path / "MNIST" / "raw"
    dst.mkdir(parents=True)
    for f in data.RAW_FILES:
        shutil.copyfile(src / f, dst / f)
        os.chmod(dst / f, 0o644)
    return dst


@pytest.mark.parametrize("damage", ["truncate", "bad_magic", "wrong_count"])
def test_corrupt_idx_files_name_the_file_and_the_fix(tmp_path, monkeypatch, damage):
    raw = copy_mnist(tmp_path)
    target = raw / "t10k-images-idx3-ubyte"
    content = target.read_bytes()
    if damage == "truncate":
        target.write_bytes(content[: len(content) // 2])
    elif damage == "bad_magic":  # e.g. a gzip file saved under the plain name
        target.write_bytes(b"\x1f\x8b" + content[2:])
    else:  # a valid IDX header that claims fewer images
        labels = raw / "t10k-labels-idx1-ubyte"
        lab = labels.read_bytes()
        labels.write_bytes(lab[:4] + (5000).to_bytes(4, "big") + lab[8:5008])
    monkeypatch.setenv("MEMLAB_DATA", str(tmp_path))
    data._load_cached.cache_clear()
    with pytest.raises(DataCorruptError, match=f"{raw}.*(truncated or corrupt|Replace the files)"):
        data.load("mnist", "test")


def test_subsets_are_seeded_sorted_and_bounded():
    a = data.subset_indices(60000, 300, seed=0)
    assert len(a) == 300 and len(np.unique(a)) == 300 and (np.diff(a) > 0).all()
    np.testing.assert_array_equal(a, data.subset_indices(60000, 300, seed=0))
    assert not np.array_equal(a, data.subset_indices(60000, 300, seed=1))
    np.testing.assert_array_equal(data.subset_indices(60000, 60000, 0), np.arange(60000))
    assert data.indices_sha256(a) == data.indices_sha256(a.copy())
    with pytest.raises(ValueError, match="60001 images.*has 60000"):
        data.subset_indices(60000, 60001, 0)
