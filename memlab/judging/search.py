"""Exact nearest-neighbour search by RMSE over a set of training images.

Exhaustive and exact: the answer always equals a brute-force search over every candidate (ties go
to the lower dataset index). It is fast because most candidates are ruled out by a cheap bound:

1. **A lower bound from a PCA sketch.** Each image ``x`` (centred on the set's mean) is split into
   its projection ``z`` onto the top ``dims`` principal directions and the rest, of length ``r``.
   For any two images, ``||q - x||^2 >= ||z_q - z_x||^2 + (r_q - r_x)^2`` (Pythagoras, then the
   reverse triangle inequality on the rest). For a block of queries this bound is one small matrix
   product against a (dims + 2, N) table, ~8x less work than the full 784-pixel distances.
2. **An upper bound from the best-looking candidates.** The k candidates with the smallest bound
   are scored exactly; the k-th of those distances is an upper bound on the answer.
3. **Exact scores for the survivors.** Only candidates whose lower bound is within that upper bound
   (plus a margin larger than any float32 rounding in step 1) can be among the k nearest; they are
   scored exactly in float64 and sorted by (distance, dataset index).

Images are stored once, as uint8 when they arrive as uint8 (47 MB for 60 000 MNIST images), with
the sketch beside them (23 MB). ``subset`` makes the index of a model's training subset from the
dataset's index without recomputing anything. Distances are reported on both scales of
``memlab.judging.metrics``.
"""

from dataclasses import dataclass

import numpy as np

from memlab.data import datasets as data
from memlab.data.disk_cache import read_rows
from memlab.data.pixels import as_unit_images
from memlab.judging.metrics import to_article

PIXELS = 28 * 28
# Principal directions in the sketch. More directions: a tighter bound, fewer exact scores, a larger
# matrix product. Measured on MNIST (1 000 test queries, exact scores per query / ms): 48: 139 / 250,
# 64: 54 / 160, 96: 16.5 / 140, 128: 8 / 150.
SKETCH_DIMS = 96
PAIRS_PER_CHUNK = 2048  # exact scores computed at once (bounds memory: 2048 x 784 float64 = 13 MB)


@dataclass
class SearchResult:
    """Top-k neighbours of each query; every array is shaped (Q, k), nearest first."""

    indices: np.ndarray  # dataset indices of the neighbours (into the dataset's train split)
    labels: np.ndarray  # their class ids
    rmse: np.ndarray  # RMSE on the 0-1 scale

    @property
    def rmse_article(self) -> np.ndarray:
        """RMSE on the article's scale (grey levels / 4095)."""
        return to_article(self.rmse)

    def to_json(self, predicted_labels=None) -> dict:
        """The ``memlab search --json`` layout."""
        queries = []
        for q in range(len(self.indices)):
            neighbours = [
                {"index": int(i), "label": int(lab), "rmse": float(r), "rmse_article": float(a)}
                for i, lab, r, a in zip(self.indices[q], self.labels[q], self.rmse[q], self.rmse_article[q])
            ]
            label = None if predicted_labels is None else int(predicted_labels[q])
            queries.append({"predicted_label": label, "neighbours": neighbours})
        return {"queries": queries}


@dataclass(frozen=True)
class PCABasis:
    """The PCA basis that turns an image into its (dims + 2)-number sketch."""

    mean: np.ndarray  # (784,) float64, the set's mean image on 0..1
    basis: np.ndarray  # (784, dims) float64, orthonormal principal directions

    @classmethod
    def fit(cls, vectors: np.ndarray, dims: int = SKETCH_DIMS) -> "PCABasis":
        """Principal directions of 0..1 ``vectors`` (N, 784)."""
        mean = vectors.mean(axis=0, dtype=np.float64)
        scatter = np.zeros((PIXELS, PIXELS))
        for start in range(0, len(vectors), 2048):  # in chunks, to keep memory small
            centred = vectors[start : start + 2048].astype(np.float64) - mean
            scatter += centred.T @ centred
        _, directions = np.linalg.eigh(scatter)  # ascending eigenvalues
        return cls(mean, np.ascontiguousarray(directions[:, ::-1][:, :dims]))

    def project(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For 0..1 vectors (N, 784): float32 sketches ``[z, r]`` (N, dims + 1) and ``||x - mean||^2``."""
        centred = vectors.astype(np.float64) - self.mean
        z = centred @ self.basis  # (N, dims)
        norm2 = np.einsum("ij,ij->i", centred, centred)  # (N,)
        rest = np.sqrt(np.maximum(norm2 - np.einsum("ij,ij->i", z, z), 0.0))
        return np.column_stack([z, rest]).astype(np.float32), norm2


class SearchIndex:
    """The training images to search, prepared once: pixels, labels, dataset indices and sketch."""

    def __init__(self, images, labels, indices=None, name="training set", prepared=None):
        """Args:
        images: (N, 28, 28) uint8 (referenced, not copied: do not modify it) or 0..1 floats
            (stored as a float32 copy).
        labels: (N,) class ids.
        indices: (N,) dataset index of each image (default 0..N-1), reported in results.
        name: what to call this set in messages.
        prepared: ``prepared_arrays()`` of an index built earlier from exactly these images,
            labels and indices (e.g. from memlab's disk cache): skips building the sketch.
        """
        images = np.asarray(images)
        if images.dtype == np.uint8 and images.ndim == 3 and images.shape[1:] == (28, 28) and len(images):
            pixels = images.reshape(-1, PIXELS)  # grey levels, kept as they are
        else:
            pixels = as_unit_images(images, name).reshape(-1, PIXELS)  # checked, float32 on 0..1
        labels = np.asarray(labels, dtype=np.int64)
        indices = np.arange(len(labels)) if indices is None else np.asarray(indices, np.int64)
        if not len(labels) == len(indices) == len(pixels):
            raise ValueError(
                f"{name}: {len(pixels)} images, {len(labels)} labels and {len(indices)} "
                "indices; give one label and index per image."
            )
        # rows are sorted by class, so that each class is one contiguous block of the table; the pixels
        # stay where they are (no copy) and ``pixel_rows`` says where each row's image is
        order = np.lexsort((indices, labels))
        pca = table = None
        if prepared is not None:
            pca, table = PCABasis(prepared["mean"], prepared["basis"]), prepared["table"]
            if table.shape != (pca.basis.shape[1] + 2, len(labels)):
                raise ValueError(f"{name}: the prepared table {table.shape} does not fit {len(labels)} images.")
        self._assemble(pixels, order, labels[order], indices[order], name, pca, table)

    def prepared_arrays(self) -> dict[str, np.ndarray]:
        """What ``__init__(..., prepared=...)`` needs to rebuild this index without fitting it again."""
        return {"mean": self.pca.mean, "basis": self.pca.basis, "table": self.table}

    def _assemble(self, pixels, pixel_rows, labels, indices, name, pca=None, table=None):
        """The one place an index's fields are set, by ``__init__`` and by ``subset``.

        Row r of the table is image ``pixels[pixel_rows[r]]``, with ``labels[r]`` and ``indices[r]``.
        Without ``pca`` and ``table`` (a new index) they are computed; ``subset`` passes its parent's.
        """
        self.pixels, self.pixel_rows, self.labels, self.indices, self.name = pixels, pixel_rows, labels, indices, name
        if pca is None:  # fitted on <= ~10 000 of the rows
            pca = PCABasis.fit(self.unit_vectors(slice(None, None, max(1, len(self) // 10000))))
        self.pca = pca
        if table is None:
            # (dims + 2, N) columns [z, r, ||x - mean||^2]: the query row [z_q, r_q, -1/2] times a column
            # is (||q - mean||^2 - lower bound) / 2, so one matrix product bounds a block of queries
            table = np.empty((self.pca.basis.shape[1] + 2, len(self)), np.float32)
            for start in range(0, len(self), 2048):  # in chunks: a float64 copy of 60 000 images is 376 MB
                rows = slice(start, start + 2048)
                sketches, norm2 = self.pca.project(self.unit_vectors(rows))
                table[:-1, rows], table[-1, rows] = sketches.T, norm2
        self.table = table
        self._find_classes()

    def _find_classes(self):
        classes, starts, counts = np.unique(self.labels, return_index=True, return_counts=True)
        self.rows_of_class = {int(c): np.arange(s, s + n) for c, s, n in zip(classes, starts, counts)}

    @classmethod
    def from_dataset(cls, name: str) -> "SearchIndex":
        """The whole train split of dataset ``name``."""
        train = data.load(name, "train")
        return cls(train.images, train.labels, None, f"{name} training set")

    def subset(self, dataset_indices, name=None) -> "SearchIndex":
        """The index of only these images (e.g. a model's training subset), sharing this basis."""
        wanted = np.unique(np.asarray(dataset_indices, dtype=np.int64))
        order = np.argsort(self.indices, kind="stable")
        rows = order[np.minimum(np.searchsorted(self.indices, wanted, sorter=order), len(self) - 1)]
        if (self.indices[rows] != wanted).any():
            missing = wanted[self.indices[rows] != wanted]
            raise ValueError(f"{len(missing)} of the indices (e.g. {missing[0]}) are not in the {self.name}.")
        rows = np.sort(rows)  # keeps the parent's order: sorted by class
        part = SearchIndex.__new__(SearchIndex)
        part._assemble(
            self.pixels,
            self.pixel_rows[rows],
            self.labels[rows],
            self.indices[rows],  # shares the pixels
            name or f"{len(rows)}-image subset of the {self.name}",
            self.pca,
            np.ascontiguousarray(self.table[:, rows]),
        )
        return part

    def __len__(self):
        return len(self.labels)

    def unit_vectors(self, rows) -> np.ndarray:
        """Stored images ``rows`` as float32 0..1 vectors (M, 784)."""
        pixels = read_rows(self.pixels, self.pixel_rows[rows])
        return pixels / np.float32(255) if pixels.dtype == np.uint8 else pixels

    def image(self, dataset_index: int) -> np.ndarray:
        """The stored (28, 28) image with this dataset index, on 0..1."""
        rows = np.flatnonzero(self.indices == dataset_index)
        if len(rows) == 0:
            raise ValueError(f"Image {dataset_index} is not in the {self.name}.")
        return self.unit_vectors(rows[:1])[0].reshape(28, 28)

    def search(self, queries, k: int = 1, classes=None, block: int = 100) -> SearchResult:
        """The k nearest images to each query, by RMSE.

        Args:
            queries: (28, 28), (Q, 28, 28) or (Q, 1, 28, 28); uint8 or 0..1 floats.
            k: neighbours per query.
            classes: None to search the whole set, or one class id per query (or one for all)
                to search only the images of that class.
            block: queries bounded per matrix product (the result does not depend on it).
        """
        q = as_unit_images(queries).reshape(-1, PIXELS)
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}.")
        if not isinstance(block, (int, np.integer)) or block < 1:
            raise ValueError(f"block must be a positive integer, got {block!r}.")
        if classes is None:
            groups = [(np.arange(len(q)), np.arange(len(self)))]
        else:
            classes = np.broadcast_to(np.asarray(classes, dtype=np.int64), (len(q),))
            groups = []
            for c in np.unique(classes):
                if int(c) not in self.rows_of_class:
                    raise ValueError(f"The {self.name} has no images of class {c}; search the whole set.")
                groups.append((np.flatnonzero(classes == c), self.rows_of_class[int(c)]))
        out_rows = np.empty((len(q), k), dtype=np.int64)
        out_d2 = np.empty((len(q), k), dtype=np.float64)
        for query_rows, candidate_rows in groups:
            if k > len(candidate_rows):
                raise ValueError(
                    f"k={k} neighbours asked for, but only {len(candidate_rows)} images are "
                    f"searched in the {self.name}; choose k <= {len(candidate_rows)}."
                )
            # a class is a contiguous block of columns: a view, not a copy
            table = self.table[:, candidate_rows[0] : candidate_rows[-1] + 1]
            for start in range(0, len(query_rows), block):
                rows = query_rows[start : start + block]
                found, out_d2[rows] = self._top_k(q[rows], table, candidate_rows, k)
                out_rows[rows] = candidate_rows[found]
        return SearchResult(self.indices[out_rows], self.labels[out_rows], np.sqrt(out_d2 / PIXELS))

    def _exact_d2(self, q, query_of_pair, candidate_of_pair):
        """Exact squared distances (float64) for pairs (query row, stored row), in chunks."""
        d2 = np.empty(len(query_of_pair))
        for s in range(0, len(d2), PAIRS_PER_CHUNK):
            part = slice(s, s + PAIRS_PER_CHUNK)
            diff = self.unit_vectors(candidate_of_pair[part]).astype(np.float64) - q[query_of_pair[part]]
            d2[part] = np.einsum("ij,ij->i", diff, diff)
        return d2

    def _top_k(self, q, table, candidate_rows, k):
        """Exact top-k (positions into ``candidate_rows``) for a block of queries (B, 784)."""
        sketches, q_norm2 = self.pca.project(q)
        rows = np.column_stack([sketches, np.full(len(q), -0.5, np.float32)])  # (B, dims + 2)
        q = q.astype(np.float64)
        # 1. half the gap between ||q - mean||^2 and the lower bound, for every candidate: (B, M)
        half_gap = rows @ table
        # 2. the k candidates with the smallest bound, scored exactly, give an upper bound
        if k == 1:
            best = half_gap.argmax(axis=1)[:, None]
        else:
            best = np.argpartition(-half_gap, k - 1, axis=1)[:, :k]
        pair_query = np.repeat(np.arange(len(q)), k)
        upper = self._exact_d2(q, pair_query, candidate_rows[best.ravel()]).reshape(-1, k).max(axis=1)
        # 3. survivors: lower bound <= upper bound + a margin far above float32 rounding in step 1
        margin = 1e-4 * (q_norm2 + table[-1].max(initial=0.0)) + 1e-4
        threshold = ((q_norm2 - upper - margin) / 2).astype(np.float32)
        pair = np.flatnonzero(half_gap >= threshold[:, None])
        pair_query, pair_candidate = np.divmod(pair, half_gap.shape[1])
        d2 = self._exact_d2(q, pair_query, candidate_rows[pair_candidate])
        # 4. sort survivors by (query, distance, dataset index); keep each query's first k
        order = np.lexsort((self.indices[candidate_rows[pair_candidate]], d2, pair_query))
        pair_query, pair_candidate, d2 = pair_query[order], pair_candidate[order], d2[order]
        rank = np.arange(len(order)) - np.searchsorted(pair_query, pair_query)
        keep = rank < k
        return pair_candidate[keep].reshape(-1, k), d2[keep].reshape(-1, k)
