"""An optional FAISS backend behind the same interface as ``memlab.judging.search.SearchIndex``.

memlab's own search is exact and fast enough up to a few million 28 x 28 images on a laptop
(see docs/benchmarks.md). Beyond that, exhaustive search stops being practical and a class would
switch to FAISS (``pip install faiss-cpu``; ``faiss-gpu`` on a GPU), trading exactness for speed:

* ``kind="flat"``: ``IndexFlatL2``, exhaustive in float32. memlab fetches ``k + extra`` candidates
  and re-scores them exactly in float64, so the answer is the exact one unless more than ``extra``
  images sit within float32 rounding of the k-th distance.
* ``kind="ivf"``: ``IndexIVFFlat``: the images are clustered into ``lists`` cells; a query scans
  only the ``probe`` nearest cells. Approximate: ``benchmarks/run.py`` measures how often it
  returns the true nearest image (recall@1).
* ``kind="hnsw"``: ``IndexHNSWFlat``, a graph index; approximate, no training step.

Results are ``SearchResult`` objects with exact RMSE for whatever neighbours were found.
"""

import numpy as np

from memlab.data.pixels import as_unit_images
from memlab.judging.search import PIXELS, SearchResult


def _faiss():
    try:
        import faiss
    except ImportError as err:
        raise ImportError(
            "The FAISS backend needs faiss-cpu: pip install faiss-cpu "
            "(or pip install -e '.[dev]' in a memlab checkout)."
        ) from err
    return faiss


class FaissIndex:
    """Nearest training images by RMSE, through FAISS. Same ``search`` call as ``SearchIndex``."""

    def __init__(
        self, images, labels, indices=None, name="training set", kind="flat", lists=1024, probe=16, extra=8, seed=0
    ):
        """Args:
        images, labels, indices, name: as for ``SearchIndex``.
        kind: ``"flat"`` (exhaustive), ``"ivf"`` or ``"hnsw"`` (approximate).
        lists, probe: IVF cells, and cells scanned per query.
        extra: candidates fetched beyond k and re-scored exactly.
        seed: seeds the IVF clustering.
        """
        faiss = _faiss()
        self.vectors = as_unit_images(images, name).reshape(-1, PIXELS)  # float32, what FAISS indexes
        self.labels = np.asarray(labels, dtype=np.int64)
        self.indices = np.arange(len(self.labels)) if indices is None else np.asarray(indices, np.int64)
        self.name, self.kind, self.extra = name, kind, extra
        if kind == "flat":
            self.index = faiss.IndexFlatL2(PIXELS)
        elif kind == "ivf":
            self.index = faiss.IndexIVFFlat(faiss.IndexFlatL2(PIXELS), PIXELS, lists)
            self.index.cp.seed = seed
            self.index.train(self.vectors)
            self.index.nprobe = probe
        elif kind == "hnsw":
            self.index = faiss.IndexHNSWFlat(PIXELS, 32)
        else:
            raise ValueError(f"Unknown FAISS index kind {kind!r}; choose 'flat', 'ivf' or 'hnsw'.")
        self.index.add(self.vectors)

    def __len__(self):
        return len(self.labels)

    def search(self, queries, k: int = 1, classes=None) -> SearchResult:
        """The k nearest images found for each query (exact for ``flat``; see the module docstring)."""
        if classes is not None:
            raise ValueError(
                "The FAISS backend searches the whole set; build one FaissIndex per class to search within a class."
            )
        if not isinstance(k, (int, np.integer)) or k < 1 or k > len(self):
            raise ValueError(f"k must be an integer from 1 to {len(self)}, got {k!r}.")
        q = as_unit_images(queries).reshape(-1, PIXELS)
        _, found = self.index.search(q, min(k + self.extra, len(self)))  # (Q, k + extra), -1 = none
        rows, d2 = np.empty((len(q), k), np.int64), np.empty((len(q), k))
        for i, cand in enumerate(found):
            cand = cand[cand >= 0]
            if len(cand) < k:
                raise RuntimeError(
                    f"FAISS found only {len(cand)} candidates for query {i}; scan more "
                    f"cells (probe > {getattr(self.index, 'nprobe', 0)})."
                )
            exact = ((self.vectors[cand].astype(np.float64) - q[i].astype(np.float64)) ** 2).sum(axis=1)
            order = np.lexsort((self.indices[cand], exact))[:k]
            rows[i], d2[i] = cand[order], exact[order]
        return SearchResult(self.indices[rows], self.labels[rows], np.sqrt(d2 / PIXELS))
