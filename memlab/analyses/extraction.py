"""Extraction without the training set: generate many images, keep those the model makes again and again.

An attacker who has only the model cannot search its training set. Carlini et al. 2023 ("Extracting
Training Data from Diffusion Models", sec. 4) *generate and filter*: draw N samples, and keep groups
of generations that are (almost) identical -- a model that has memorized an image tends to return it
from many different starting noises, while novel generations rarely coincide. Only afterwards do
they check the groups against the training set, to measure how often the attack is right.

Here (0-1 pixels, ``memlab.judging.metrics``):

1. draw N seeded samples;
2. link every pair closer than ``GROUP_RMSE`` (0.05 RMSE, 12.8 grey levels) and take the connected
   components of at least ``MIN_GROUP`` (2) images: the *groups*;
3. check each group's most central image (its medoid) against the model's training images: the group
   is a training image *recovered* when that medoid is closer than ``GROUP_RMSE`` to one
   (as close as the group's members are to each other). **Precision** = recovered groups / groups;
4. the **null**: the same grouping on N real test images. Groups there come from real images that
   happen to look alike (simple digits such as "1"), not from memory: a result no larger than the null
   is no evidence.
"""

from dataclasses import dataclass

import numpy as np

from memlab import zoo
from memlab.analyses.evaluate import generate
from memlab.data.disk_cache import load_or_compute
from memlab.data.pixels import as_unit_images
from memlab.judging.baseline import unseen_images
from memlab.judging.metrics import copy_shares
from memlab.judging.nearest import find_nearest
from memlab.models.registry import get_spec

GROUP_RMSE = 0.05  # 0-1 RMSE: two generations closer than this count as the same image
MIN_GROUP = 2  # generations in a group


def open_generator(model_id: str):
    """The generator ``model_id`` (diffusion or GAN), resolved by ``zoo.open``."""
    model = zoo.open(model_id)
    if not model.is_generator:
        raise ValueError(f"{model_id} is a classifier; extraction needs a generator (a diffusion model or a GAN).")
    return model


def pairwise_rmse(images) -> np.ndarray:
    """(N, N) 0-1 RMSE between every pair of images (via |a|^2 + |b|^2 - 2 a.b)."""
    flat = as_unit_images(images).reshape(-1, 28 * 28).astype(np.float64)
    sq = (flat**2).sum(1)
    d2 = np.clip(sq[:, None] + sq[None, :] - 2 * flat @ flat.T, 0, None) / flat.shape[1]
    np.fill_diagonal(d2, 0.0)
    return np.sqrt(d2)


def groups(images, threshold: float = GROUP_RMSE, min_size: int = MIN_GROUP) -> list[np.ndarray]:
    """Connected components of the graph "RMSE < threshold" with at least ``min_size`` images, largest
    first; each an array of row numbers."""
    if not threshold > 0 or not isinstance(min_size, (int, np.integer)) or min_size < 2:
        raise ValueError(f"threshold must be > 0 and min_size at least 2, got {threshold!r} and {min_size!r}.")
    linked = pairwise_rmse(images) < threshold
    label = -np.ones(len(linked), np.int64)
    for start in range(len(linked)):  # breadth-first search from each unlabelled image
        if label[start] >= 0:
            continue
        label[start], frontier = start, [start]
        while frontier:
            new = np.flatnonzero(linked[frontier].any(0) & (label < 0))
            label[new] = start
            frontier = list(new)
    found = [np.flatnonzero(label == lab) for lab in np.unique(label)]
    return sorted((g for g in found if len(g) >= min_size), key=lambda g: (-len(g), g[0]))


def medoid(images, group: np.ndarray) -> int:
    """The member of ``group`` with the smallest total RMSE to the others."""
    return int(group[pairwise_rmse(as_unit_images(images)[group]).sum(1).argmin()])


@dataclass
class Extraction:
    model_id: str
    n: int
    seed: int
    samples: np.ndarray  # (N, 28, 28) on 0..1
    groups: list  # row numbers of each group, largest first
    medoids: np.ndarray  # (G,) row number of each group's medoid
    nearest_index: np.ndarray  # (G,) the medoid's nearest training image (train-split index)
    nearest_rmse: np.ndarray  # (G,) and its 0-1 RMSE
    null_groups: list  # the same grouping on N unseen test images
    copied_training_images: int  # distinct training images that some sample lies within GROUP_RMSE of
    training_images: int
    copy_shares: dict  # samples' perfect / near copy shares (memlab.judging.metrics), by the nearest-image search
    baseline_copy_shares: dict  # the same for the null's unseen test images

    @property
    def recovered(self) -> np.ndarray:
        return self.nearest_rmse < GROUP_RMSE

    @property
    def precision(self) -> float | None:
        return float(self.recovered.mean()) if len(self.groups) else None

    def summary(self) -> dict:
        return {
            "model": self.model_id,
            "n": self.n,
            "seed": self.seed,
            "training_images": self.training_images,
            "group_rmse": GROUP_RMSE,
            "min_group": MIN_GROUP,
            "groups": len(self.groups),
            "group_sizes": [len(g) for g in self.groups],
            "precision": self.precision,
            "training_images_recovered": int(len(np.unique(self.nearest_index[self.recovered]))),
            "training_images_copied_at_least_once": self.copied_training_images,
            "null_groups": len(self.null_groups),
            "null_group_sizes": [len(g) for g in self.null_groups],
            "null": f"the same grouping on {self.n} unseen test images",
            "copy_shares": self.copy_shares,
            "baseline_copy_shares": self.baseline_copy_shares,
        }


def samples_of(model_id: str, n: int, seed: int, progress: bool = False) -> np.ndarray:
    """``n`` seeded samples (the model's default sampler); kept on disk, as sampling is the slow part."""
    model = open_generator(model_id)
    key = {
        "model": model_id,
        "weights": model.card.get("weights_sha256"),
        "n": int(n),
        "seed": int(seed),
        "noise": "numpy",
        "sampler": model.spec.default_sampler,
        "steps": model.spec.default_steps,
    }
    return load_or_compute(
        f"samples-{model_id}", key, lambda: {"samples": generate(model, n, seed, progress=progress)}
    )["samples"]


def extract(model_id: str, n: int = 500, seed: int = 0, progress: bool = False) -> Extraction:
    """Generate-and-filter on ``n`` samples of ``model_id`` (seeded), its null on ``n`` test images, and the
    check of its groups against the training set.

    Args:
        model_id: a generator of the zoo (diffusion or GAN).
        n: samples to draw (2 .. 10 000; also the number of test images in the null).
        seed: seeds the samples and the choice of test images.
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or not 2 <= n <= 10000:
        raise ValueError(f"--n must be a whole number of samples from 2 to 10000, got {n!r}.")
    spec = get_spec(model_id)
    samples = samples_of(model_id, n, seed, progress)
    found = groups(samples)
    medoids = np.array([medoid(samples, g) for g in found], dtype=np.int64)
    model = open_generator(model_id)
    nearest = find_nearest(samples, model.saw, k=1, scope="whole set", classifier=model.classifier).result
    close = nearest.rmse[:, 0] < GROUP_RMSE
    unseen = unseen_images(spec.dataset, n, seed)
    null = groups(unseen)
    unseen_nearest = find_nearest(unseen, model.saw, k=1, scope="whole set", classifier=model.classifier).result
    return Extraction(
        model_id,
        int(n),
        int(seed),
        samples,
        found,
        medoids,
        nearest.indices[medoids, 0] if len(medoids) else np.zeros(0, np.int64),
        nearest.rmse[medoids, 0] if len(medoids) else np.zeros(0),
        null,
        int(len(np.unique(nearest.indices[close, 0]))),
        spec.train_size,
        copy_shares(nearest.rmse_article[:, 0]),
        copy_shares(unseen_nearest.rmse_article[:, 0]),
    )


def report(summary: dict) -> str:
    """``Extraction.summary()`` as a few readable lines (what ``memlab extract`` prints)."""
    s = summary
    precision = "–" if s["precision"] is None else f"{s['precision']:.2f}"
    return "\n".join(
        [
            f"{s['model']} (trained on {s['training_images']} images): {s['n']} samples, seed {s['seed']}",
            f"  groups of near-identical samples (0-1 RMSE < {s['group_rmse']}, size >= {s['min_group']}): "
            f"{s['groups']}" + (f" (sizes of the largest: {s['group_sizes'][:5]})" if s["groups"] else ""),
            f"  checked against the training set afterwards: precision {precision}, "
            f"{s['training_images_recovered']} training images recovered",
            f"  (training images that some sample copies at least once: {s['training_images_copied_at_least_once']})",
            f"  null, {s['null']}: {s['null_groups']} groups",
        ]
    )
