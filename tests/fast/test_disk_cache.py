"""The per-machine cache of search indexes and baselines: what it returns equals what would be computed now,
a changed input misses, and a damaged entry or a failing disk never breaks a judgement (real data, real
files, a real file-size limit)."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from memlab import zoo
from memlab.data import datasets as data
from memlab.data import disk_cache
from memlab.judging import baseline, training_set
from memlab.judging.nearest import find_nearest
from memlab.judging.search import SearchIndex


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMLAB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def counting(arrays):
    calls = []

    def compute():
        calls.append(1)
        return arrays

    return compute, calls


def test_an_entry_is_computed_once_and_a_changed_key_misses(cache):
    compute, calls = counting({"a": np.arange(5.0)})
    first = disk_cache.load_or_compute("thing", {"data": "sha-1"}, compute)
    again = disk_cache.load_or_compute("thing", {"data": "sha-1"}, compute)
    assert len(calls) == 1 and np.array_equal(first["a"], again["a"])
    disk_cache.load_or_compute("thing", {"data": "sha-2"}, compute)  # other data: computed, never the old value
    assert len(calls) == 2 and len(list(cache.glob("thing-*"))) == 2


def test_a_truncated_entry_is_computed_again_and_repaired(cache):
    compute, calls = counting({"a": np.arange(1000.0)})
    disk_cache.load_or_compute("thing", {"k": 1}, compute)
    (path,) = cache.glob("thing-*")
    array = path / "a.npy"
    array.write_bytes(array.read_bytes()[:300])  # a half-written file from an old crash
    assert np.array_equal(disk_cache.load_or_compute("thing", {"k": 1}, compute)["a"], np.arange(1000.0))
    assert len(calls) == 2
    disk_cache.load_or_compute("thing", {"k": 1}, compute)
    assert len(calls) == 2  # the repaired entry is used


def test_a_stored_entry_is_read_only_memory_maps(cache):
    compute, calls = counting({"a": np.arange(12.0).reshape(3, 4), "empty": np.zeros(0, np.int64)})
    disk_cache.load_or_compute("thing", {"k": 1}, compute)
    stored = disk_cache.load_or_compute("thing", {"k": 1}, compute)
    assert len(calls) == 1
    assert isinstance(stored["a"], np.memmap) and not stored["a"].flags.writeable
    np.testing.assert_array_equal(stored["a"], np.arange(12.0).reshape(3, 4))
    assert stored["empty"].shape == (0,) and not stored["empty"].flags.writeable
    with pytest.raises(ValueError):
        stored["a"][0, 0] = 1.0


def test_two_processes_map_the_same_file(cache):
    disk_cache.load_or_compute("shared", {"k": 1}, lambda: {"a": np.ones(1_000_000, np.float32)})
    script = textwrap.dedent(f"""
        import os
        os.environ["MEMLAB_CACHE"] = {str(cache)!r}
        from memlab.data import disk_cache
        value = disk_cache.load_or_compute("shared", {{"k": 1}}, lambda: 1 / 0)   # must not compute
        with open("/proc/self/maps") as maps:
            print(int(value["a"].sum()), str(value["a"].filename) in maps.read())
    """)
    outputs = [
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120) for _ in range(2)
    ]
    for result in outputs:
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["1000000", "True"]  # its pages are the file's, shared


def test_read_rows_gives_the_rows_of_a_map_a_view_of_it_or_an_array(cache):
    images = np.arange(50 * 4 * 3, dtype=np.uint8).reshape(50, 4, 3)
    disk_cache.load_or_compute("rows", {"k": 1}, lambda: {"images": images})
    mapped = disk_cache.load_or_compute("rows", {"k": 1}, lambda: 1 / 0)["images"]
    for array in (mapped, np.asarray(mapped).reshape(50, 12), mapped[7:], images):  # as SearchIndex holds them
        for rows in ([3, 0, 3, len(array) - 1], [-1, -len(array)], [], np.arange(len(array))):
            np.testing.assert_array_equal(disk_cache.read_rows(array, rows), array[np.asarray(rows, np.int64)])
        with pytest.raises(IndexError):
            disk_cache.read_rows(array, [len(array)])


def test_scoring_scattered_training_images_maps_none_of_them(cache):
    """Read through the map, each training image scored also mapped the cached pages around it (Linux maps
    what its page cache holds there): a GAN sample's search counted ~36 MB of MNIST images in the kernel
    that computed it, where it had read 300 of them (235 kB)."""
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        os.environ["MEMLAB_CACHE"] = {str(cache)!r}
        from memlab.data import datasets as data
        from memlab import zoo
        from memlab.judgement import sample_and_judge
        data.load("mnist", "train")                             # stores the images in the cache (first run)
        (images,) = Path({str(cache)!r}).glob("data-mnist-train-*/images.npy")
        images.read_bytes()                                     # the page cache holds the whole file

        def mapped_kb():
            with open("/proc/self/smaps") as smaps:
                lines, kb, inside = smaps.read().splitlines(), 0, False
            for line in lines:
                if line[:1] in "0123456789abcdef" and "-" in line.split()[0]:
                    inside = line.endswith(str(images))
                elif inside and line.startswith("Rss:"):
                    kb += int(line.split()[1])
            return kb

        judgement = sample_and_judge(zoo.open("mnist-gan-60000"), 0, "whole set")
        print(mapped_kb(), judgement.searched)
    """)
    for _purpose in ("fills the cache (building reads every image)", "measured: maps the cache"):
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr
    mapped_kb, searched = map(int, result.stdout.split())
    assert searched == 60_000 and mapped_kb < 1024, f"{mapped_kb} kB of training images mapped"


def test_a_cache_that_cannot_be_written_gives_values_in_memory(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # fails for root too, unlike chmod
    monkeypatch.setenv("MEMLAB_CACHE", str(blocker / "cache"))
    compute, calls = counting({"a": np.arange(3)})
    assert np.array_equal(disk_cache.load_or_compute("thing", {"k": 1}, compute)["a"], np.arange(3))
    assert np.array_equal(disk_cache.load_or_compute("thing", {"k": 1}, compute)["a"], np.arange(3))
    assert len(calls) == 2


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_cache_folder_gives_values_in_memory(cache):
    cache.mkdir()
    cache.chmod(0o555)
    try:
        compute, calls = counting({"a": np.arange(3)})
        assert np.array_equal(disk_cache.load_or_compute("thing", {"k": 1}, compute)["a"], np.arange(3))
        assert list(cache.iterdir()) == []
    finally:
        cache.chmod(0o755)


def test_dataset_images_are_mapped_from_the_cache(cache):
    data._load_cached.cache_clear()
    try:
        first = data.load("mnist", "test")  # reads the idx files, stores a copy
        data._load_cached.cache_clear()
        mapped = data.load("mnist", "test")  # maps the copy
        assert isinstance(mapped.images, np.memmap) and not mapped.images.flags.writeable
        assert mapped.labels.dtype == np.int64 and len(list(cache.glob("data-mnist-test-*"))) == 1
        assert np.array_equal(mapped.images, first.images) and np.array_equal(mapped.labels, first.labels)
    finally:
        data._load_cached.cache_clear()


def test_a_full_disk_still_gives_the_value_and_leaves_no_temporary_file(cache):
    cache.mkdir()
    script = textwrap.dedent(f"""
        import os, resource, signal
        import numpy as np
        os.environ["MEMLAB_CACHE"] = {str(cache)!r}
        from memlab.data import disk_cache
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)          # so the write fails with EFBIG, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        value = disk_cache.load_or_compute("big", {{"k": 1}}, lambda: {{"a": np.ones(100_000)}})
        print(value["a"].sum())
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "100000.0"
    assert list(cache.iterdir()) == []  # no entry, no temporary file


def test_a_cached_index_searches_exactly_like_a_fresh_one(cache, mnist, mnist_test):
    training_set.whole_split.cache_clear()
    try:
        built = training_set.whole_split("mnist").index  # builds and stores
        training_set.whole_split.cache_clear()
        loaded = training_set.whole_split("mnist").index  # loads
        assert loaded is not built and len(list(cache.glob("index-mnist-*"))) == 1
        fresh = SearchIndex(mnist.images, mnist.labels)
        queries = mnist_test.images[:50]
        a, b = loaded.search(queries, k=5), fresh.search(queries, k=5)
        assert np.array_equal(a.indices, b.indices) and np.array_equal(a.rmse, b.rmse)
        np.testing.assert_array_equal(loaded.table, fresh.table)
    finally:
        training_set.whole_split.cache_clear()


def test_the_stored_baseline_is_the_one_computed_now(cache):
    training_set.whole_split.cache_clear()
    try:
        classifier = zoo.classifier("mnist")
        stored = baseline.baseline_distances(training_set.whole_split("mnist"), "same class", classifier, n=300)
        training_set.whole_split.cache_clear()  # a new kernel: nothing in memory
        again = baseline.baseline_distances(training_set.whole_split("mnist"), "same class", classifier, n=300)
        computed = find_nearest(
            baseline.unseen_images("mnist", 300),
            training_set.whole_split("mnist"),
            k=1,
            scope="same class",
            classifier=classifier,
        ).result.rmse_article[:, 0]
        assert np.array_equal(again, computed) and np.array_equal(stored, computed)
        assert len(list(cache.glob("baseline-mnist-*"))) == 1
    finally:
        training_set.whole_split.cache_clear()
