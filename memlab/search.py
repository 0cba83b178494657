"""Exact nearest-neighbour search by RMSE over a set of training images.

Exhaustive and exact: every candidate is considered, and the answer equals a brute-force
search (ties go to the lower dataset index). The work is vectorised:

1. squared distances for a block of queries against all candidates at once, with the
   expansion ||q - x||^2 = ||q||^2 + ||x||^2 - 2 q.x (one matrix product, float32);
2. every candidate within a rounding-error margin of the k-th smallest is re-scored
   exactly (float64 differences), so float32 rounding can never change the answer.

Distances are reported on both scales of ``memlab.metrics``.
"""

from dataclasses import dataclass

import numpy as np

from . import data
from .metrics import to_article
from .pixels import as_unit_images

PIXELS = 28 * 28


@dataclass
class SearchResult:
    """Top-k neighbours of each query; every array is shaped (Q, k), nearest first."""

    indices: np.ndarray   # dataset indices of the neighbours (into the dataset's train split)
    labels: np.ndarray    # their class ids
    rmse: np.ndarray      # RMSE on the 0-1 scale

    @property
    def rmse_article(self) -> np.ndarray:
        """RMSE on the article's scale (grey levels / 4095)."""
        return to_article(self.rmse)

    def to_json(self, predicted_labels=None) -> dict:
        """The ``memlab search --json`` layout."""
        queries = []
        for q in range(len(self.indices)):
            neighbours = [{"index": int(i), "label": int(lab), "rmse": float(r), "rmse_article": float(a)}
                          for i, lab, r, a in zip(self.indices[q], self.labels[q], self.rmse[q],
                                                  self.rmse_article[q])]
            label = None if predicted_labels is None else int(predicted_labels[q])
            queries.append({"predicted_label": label, "neighbours": neighbours})
        return {"queries": queries}


class SearchIndex:
    """The training images to search, prepared once (flattened, on 0..1, with squared norms)."""

    def __init__(self, images, labels, indices=None, name="training set"):
        """Args:
            images: (N, 28, 28) uint8 or 0..1 floats.
            labels: (N,) class ids.
            indices: (N,) dataset index of each image (default 0..N-1), reported in results.
            name: what to call this set in messages.
        """
        self.vectors = as_unit_images(images, name).reshape(-1, PIXELS)   # (N, 784) float32
        self.norms = np.einsum("ij,ij->i", self.vectors, self.vectors)    # (N,) ||x||^2
        self.labels = np.asarray(labels, dtype=np.int64)
        self.indices = np.arange(len(self.labels)) if indices is None else np.asarray(indices, np.int64)
        self.name = name
        self.rows_of_class = {int(c): np.flatnonzero(self.labels == c) for c in np.unique(self.labels)}

    @classmethod
    def from_dataset(cls, name: str, subset=None) -> "SearchIndex":
        """The train split of ``name``, or only the dataset indices in ``subset`` (a model's training set)."""
        train = data.load(name, "train")
        rows = np.arange(len(train)) if subset is None else np.asarray(subset, dtype=np.int64)
        what = f"{name} training set" if subset is None else f"{len(rows)}-image {name} training subset"
        return cls(train.images[rows], train.labels[rows], rows, what)

    def __len__(self):
        return len(self.labels)

    def search(self, queries, k: int = 1, classes=None, block: int = 256) -> SearchResult:
        """The k nearest images to each query, by RMSE.

        Args:
            queries: (28, 28), (Q, 28, 28) or (Q, 1, 28, 28); uint8 or 0..1 floats.
            k: neighbours per query.
            classes: None to search the whole set, or one class id per query (or one for all)
                to search only the images of that class.
            block: queries scored per matrix product (the result does not depend on it).
        """
        q = as_unit_images(queries).reshape(-1, PIXELS)
        if not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}.")
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
                raise ValueError(f"k={k} neighbours asked for, but only {len(candidate_rows)} images are "
                                 f"searched in the {self.name}; choose k <= {len(candidate_rows)}.")
            for start in range(0, len(query_rows), block):
                rows = query_rows[start:start + block]
                out_rows[rows], out_d2[rows] = self._top_k(q[rows], candidate_rows, k)
        return SearchResult(self.indices[out_rows], self.labels[out_rows], np.sqrt(out_d2 / PIXELS))

    def _top_k(self, q, candidate_rows, k):
        """Exact top-k for a block of queries against the given candidate rows."""
        everything = len(candidate_rows) == len(self)
        x = self.vectors if everything else self.vectors[candidate_rows]    # (M, 784)
        x_norms = self.norms if everything else self.norms[candidate_rows]  # (M,)
        q_norms = np.einsum("ij,ij->i", q, q)                                # (B,)
        # 1. approximate squared distances for the whole block, (B, M)
        d2 = q_norms[:, None] + x_norms[None, :] - 2.0 * (q @ x.T)
        # 2. the k-th smallest plus a bound on float32 rounding error marks the possible winners
        kth = np.partition(d2, k - 1, axis=1)[:, k - 1]
        margin = 2e-4 * (q_norms + x_norms.max()) + 1e-5
        rows, d2_exact = np.empty((len(q), k), np.int64), np.empty((len(q), k))
        for i in range(len(q)):
            cand = np.flatnonzero(d2[i] <= kth[i] + margin[i])
            # 3. exact squared distances for the few candidates; ties go to the lower dataset index
            exact = ((x[cand].astype(np.float64) - q[i].astype(np.float64)) ** 2).sum(axis=1)
            order = np.lexsort((self.indices[candidate_rows[cand]], exact))[:k]
            rows[i], d2_exact[i] = candidate_rows[cand[order]], exact[order]
        return rows, d2_exact
