"""Search figures: memlab's exact search beside FAISS IndexFlatL2 and the original demo's approach
(a plain loop over candidates), and how one query's time grows with the training set.

    python benchmarks/search.py [--quick]     # prints JSON
"""

import argparse
import json
import time

import numpy as np
from common import side_by_side_ms

from memlab.data import datasets as data
from memlab.judging.search import SearchIndex


def demo_loop(train_unit, query):
    """The original demo's search: one RMSE per candidate in a Python loop, keep the best."""
    best, best_rmse = -1, np.inf
    for i, candidate in enumerate(train_unit):
        rmse = np.sqrt(np.mean((candidate - query) ** 2))
        if rmse < best_rmse:
            best, best_rmse = i, rmse
    return best


def faiss_flat(vectors):
    import faiss

    index = faiss.IndexFlatL2(vectors.shape[1])
    index.add(vectors)
    return index


def search_figures(quick=False):
    train, test = data.load("mnist", "train"), data.load("mnist", "test")
    index = SearchIndex(train.images, train.labels)
    unit = (train.images / np.float32(255)).reshape(len(train), -1)
    queries = test.images[:1000] / np.float32(255)  # (1000, 28, 28) for memlab
    flat_queries = queries.reshape(1000, -1)  # (1000, 784) for FAISS
    one, flat_one, label = queries[:1], flat_queries[:1], test.labels[:1]
    same_class = np.flatnonzero(train.labels == label[0])
    flat, flat_class = faiss_flat(unit), faiss_flat(unit[same_class])
    repeats = 10 if quick else 50

    whole = side_by_side_ms({"memlab": lambda: index.search(one), "faiss": lambda: flat.search(flat_one, 1)}, repeats)
    cls = side_by_side_ms(
        {"memlab": lambda: index.search(one, classes=label), "faiss": lambda: flat_class.search(flat_one, 1)}, repeats
    )
    loop = side_by_side_ms(
        {"whole": lambda: demo_loop(unit, flat_one[0]), "class": lambda: demo_loop(unit[same_class], flat_one[0])},
        1 if quick else 3,
    )
    many = side_by_side_ms(
        {"memlab": lambda: index.search(queries), "faiss": lambda: flat.search(flat_queries, 1)}, 3 if quick else 7
    )
    return {
        "search_1q_whole_ms": {
            "value": whole["memlab"],
            "faiss_ms": whole["faiss"],
            "demo_loop_ms": loop["whole"],
            "ratio_to_faiss": round(whole["memlab"] / whole["faiss"], 3),
            "target": "<= 10 ms and <= 0.25x FAISS",
            "met": whole["memlab"] <= 10 and whole["memlab"] <= 0.25 * whole["faiss"],
        },
        "search_1q_same_class_ms": {
            "value": cls["memlab"],
            "faiss_ms": cls["faiss"],
            "demo_loop_ms": loop["class"],
            "images_searched": len(same_class),
            "target": "<= 3 ms",
            "met": cls["memlab"] <= 3,
        },
        "search_1000q_whole_ms": {
            "value": many["memlab"],
            "faiss_ms": many["faiss"],
            "throughput_ratio_to_faiss": round(many["faiss"] / many["memlab"], 2),
            "target": ">= 2x FAISS throughput",
            "met": many["faiss"] >= 2 * many["memlab"],
        },
    }


def shifted_copies(images, copies):
    """The images plus ``copies`` shifted versions (1-2 pixels in 8 directions), as uint8."""
    shifts = [(dy, dx) for r in (1, 2) for dy in (-r, 0, r) for dx in (-r, 0, r) if (dy, dx) != (0, 0)]
    out = [images]
    for dy, dx in shifts[:copies]:
        out.append(np.roll(images, (dy, dx), axis=(1, 2)))
    return np.concatenate(out)


def scaling_figures(quick=False):
    """One query's time for 1k, 10k, 60k and 600k training images (600k: the 60k plus 9 shifted copies)."""
    train, test = data.load("mnist", "train"), data.load("mnist", "test")
    big = shifted_copies(train.images, 9)
    query = test.images[:1] / np.float32(255)
    rows = []
    for size in (1_000, 10_000, 60_000) + (() if quick else (600_000,)):
        images = big[:size]
        start = time.perf_counter()
        index = SearchIndex(images, np.zeros(size, np.int64))
        build_s = time.perf_counter() - start
        flat = faiss_flat((images / np.float32(255)).reshape(size, -1))
        times = side_by_side_ms(
            {
                "memlab": lambda index=index: index.search(query),
                "faiss": lambda flat=flat: flat.search(query.reshape(1, -1), 1),
            },
            10 if quick else 30,
        )
        rows.append(
            {
                "images": size,
                "memlab_ms": times["memlab"],
                "faiss_ms": times["faiss"],
                "memlab_build_s": round(build_s, 2),
                "memlab_memory_mb": round((index.pixels.nbytes + index.table.nbytes) / 2**20, 1),
                "faiss_memory_mb": round(size * 784 * 4 / 2**20, 1),
            }
        )
        index = flat = None  # free them before the next size
    return {"search_scaling": rows}


def beyond_figures(quick=False):
    """At 600k images: FAISS IVF (approximate) beside memlab's exact search: build, query, recall@1."""
    from memlab.judging.search_faiss import FaissIndex

    train, test = data.load("mnist", "train"), data.load("mnist", "test")
    size = 60_000 if quick else 600_000
    images = shifted_copies(train.images, 9)[:size]
    labels = np.zeros(size, np.int64)
    queries = test.images[:200]
    exact = SearchIndex(images, labels)
    start = time.perf_counter()
    ivf = FaissIndex(images, labels, kind="ivf", lists=1024, probe=16)
    build_s = time.perf_counter() - start
    recall = float((ivf.search(queries).indices[:, 0] == exact.search(queries).indices[:, 0]).mean())
    times = side_by_side_ms(
        {"exact": lambda: exact.search(queries[:1]), "ivf": lambda: ivf.search(queries[:1])}, 10 if quick else 30
    )
    return {
        "faiss_ivf": {
            "images": size,
            "lists": 1024,
            "probe": 16,
            "build_s": round(build_s, 1),
            "query_ms": times["ivf"],
            "memlab_exact_ms": times["exact"],
            "recall_at_1": recall,
            "queries_for_recall": len(queries),
        }
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(
        json.dumps(
            {**search_figures(args.quick), **scaling_figures(args.quick), **beyond_figures(args.quick)}, indent=2
        )
    )
