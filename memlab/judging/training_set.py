"""What a model saw: the training images a sample is searched among, and what makes its verdict fair.

A ``TrainingSet`` holds the search index of exactly those images and, once computed, the natural baseline
per search scope (real unseen test images searched the same way: ``memlab.judging.baseline``). There
are two kinds, both made once per kernel and shared:

* ``whole_split("mnist")``: the whole train split. An upload is compared with it, and every model trained
  on all 60 000 images saw exactly it, so they share this one object (one index, one baseline).
* ``zoo.open(id).saw``: a small model's subset (its index is a view into the whole split's).
"""

import functools

import numpy as np

from memlab.data import datasets as data
from memlab.data.datasets import DATASET_NAMES, check_dataset_name
from memlab.data.disk_cache import fingerprint, load_or_compute, read_rows
from memlab.judging.search import SKETCH_DIMS, SearchIndex
from memlab.number_format import count


@functools.cache
def data_key(dataset: str) -> dict:
    """What a dataset's derived arrays depend on: the sha256 of its train and test images and labels."""
    train, test = data.load(dataset, "train"), data.load(dataset, "test")
    return {
        "dataset": dataset,
        "train": train.sha256 or fingerprint(train.images, train.labels),
        "test": test.sha256 or fingerprint(test.images, test.labels),
    }


class TrainingSet:
    """The training images one model saw (or the whole split), with their references.

    Attributes:
        dataset: ``"mnist"`` or ``"fashion"``.
        index: the exact RMSE search over these images (``memlab.judging.search.SearchIndex``).
        owner: the label of the model that saw only these (None for the whole split).
        subset: their dataset indices (None for the whole split).
    """

    def __init__(self, dataset: str, index: SearchIndex, owner: str | None = None, subset=None):
        self.dataset, self.index, self.owner, self.subset = dataset, index, owner, subset
        self.baselines = {}  # (scope, n, seed) -> distances (memlab.judging.baseline.baseline_distances)

    @property
    def is_whole_split(self) -> bool:
        return self.subset is None

    def __len__(self):
        return len(self.index)

    @property
    def words(self) -> str:
        """E.g. "the 300 MNIST training images of MNIST-diffusion-threeHundredImages"."""
        pool = f"the {count(len(self))} {DATASET_NAMES[self.dataset]} training images"
        return pool if self.owner is None else f"{pool} of {self.owner}"

    @functools.cached_property
    def subset_sha(self) -> str | None:
        """What the baseline's disk-cache key records about the subset (None: the whole split)."""
        return None if self.subset is None else data.indices_sha256(self.subset)

    def image(self, dataset_index: int) -> np.ndarray:
        """Training image ``dataset_index`` of the dataset, as (28, 28) uint8."""
        return read_rows(data.load(self.dataset, "train").images, [int(dataset_index)])[0]


@functools.cache
def whole_split(dataset: str) -> TrainingSet:
    """The whole train split, its search index's sketch built once per machine (``memlab.data.disk_cache``)."""
    check_dataset_name(dataset)
    built = []

    def build():
        built.append(SearchIndex.from_dataset(dataset))
        return built[0].prepared_arrays()

    prepared = load_or_compute(f"index-{dataset}", {**data_key(dataset), "sketch_dims": SKETCH_DIMS}, build)
    if built:
        return TrainingSet(dataset, built[0])
    train = data.load(dataset, "train")
    return TrainingSet(
        dataset, SearchIndex(train.images, train.labels, None, f"{dataset} training set", prepared=prepared)
    )


def subset_of(dataset: str, subset_indices, owner: str) -> TrainingSet:
    """The training set of a model that saw only ``subset_indices`` of the train split."""
    whole = whole_split(dataset)
    what = f"{len(subset_indices)}-image {dataset} training subset of {owner}"
    return TrainingSet(dataset, whole.index.subset(subset_indices, what), owner, np.asarray(subset_indices))
