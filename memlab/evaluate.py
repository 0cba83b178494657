"""Figures that say how good a generator is and how much it copies (``memlab evaluate ID``).

For N seeded samples of a model:

* **copies**: each sample's nearest image in the model's own training subset (exact, whole subset);
  the share under the article's "perfect copy" (0.0009) and "near copy" (0.006) thresholds;
* **quality**: the dataset classifier's confidence (share >= 0.9) and the share of each class;
* **Frechet distance** in the classifier's feature space (the FID recipe with our classifier in
  place of Inception) from the samples to the test set, beside the same distance from N real
  training images to the test set: the floor a perfect generator would reach.
"""

import functools

import numpy as np
import torch
from tqdm.auto import tqdm

from . import data, zoo
from .metrics import NEAR_COPY, PERFECT_COPY, copy_shares
from .pipeline import find_nearest
from .registry import classifier_id, get_spec


def frechet_distance(features_a: np.ndarray, features_b: np.ndarray) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)) between two feature sets (Heusel et al. 2017)."""
    mu_a, mu_b = features_a.mean(0), features_b.mean(0)
    cov_a = np.cov(features_a, rowvar=False)
    cov_b = np.cov(features_b, rowvar=False)
    # Tr((S_a S_b)^(1/2)) = sum of sqrt of the eigenvalues of S_a^(1/2) S_b S_a^(1/2) (symmetric, PSD)
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_root = np.sqrt(np.clip(cross, 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root)


@functools.lru_cache(maxsize=2)
def _test_features(dataset: str) -> np.ndarray:
    """Classifier features of the 10 000 test images, computed once per dataset."""
    return zoo.load(classifier_id(dataset)).features(data.load(dataset, "test").images)


def generate(model, n: int, seed: int, batch: int = 250, progress: bool = True) -> np.ndarray:
    """``n`` samples on 0..1, drawn in batches from one seeded generator."""
    generator = torch.Generator().manual_seed(seed)
    chunks = [model.sample(min(batch, n - start), generator)
              for start in tqdm(range(0, n, batch), desc=f"sampling {model.id}", disable=not progress)]
    return np.concatenate(chunks)


def evaluate(model_id: str, n: int = 1000, seed: int = 0, progress: bool = True) -> dict:
    """Sample ``n`` images from ``model_id`` and compute the figures in the module docstring."""
    spec = get_spec(model_id)
    if spec.kind == "classifier":
        raise ValueError(f"{model_id} is a classifier; its test accuracy is in its card (memlab zoo).")
    if n < 2:
        raise ValueError("--n must be at least 2 (the Frechet distance needs a covariance).")
    model, classifier = zoo.load(model_id), zoo.load(classifier_id(spec.dataset))
    samples = generate(model, n, seed, progress=progress)

    nearest = find_nearest(samples, spec.dataset, model_id, k=1, scope="whole set")
    article = nearest.result.rmse_article[:, 0]
    labels, confidence = nearest.labels, nearest.confidences
    class_share = np.bincount(labels, minlength=10) / n

    train = data.load(spec.dataset, "train")
    real = train.images[np.random.default_rng(seed).choice(len(train), size=min(n, len(train)), replace=False)]
    test_features = _test_features(spec.dataset)
    return {
        "model": model_id, "n": n, "seed": seed,
        **copy_shares(article),
        "nearest_rmse_article_median": float(np.median(article)),
        "confident_share": float((confidence >= 0.9).mean()),
        "class_share": [round(float(s), 4) for s in class_share],
        "min_class_share": float(class_share.min()),
        "frechet_to_test": frechet_distance(classifier.features(samples), test_features),
        "frechet_train_to_test": frechet_distance(classifier.features(real), test_features),
    }


def summary(figures: dict) -> str:
    """The figures as a few readable lines."""
    f = figures
    return "\n".join([
        f"{f['model']}: {f['n']} samples (seed {f['seed']})",
        f"  perfect copies (article RMSE < {PERFECT_COPY}): {f['perfect_copy_share']:.1%}",
        f"  near copies    (article RMSE < {NEAR_COPY}):  {f['near_copy_share']:.1%}",
        f"  median article RMSE to the nearest training image: {f['nearest_rmse_article_median']:.5f}",
        f"  classifier confidence >= 0.9: {f['confident_share']:.1%}; "
        f"smallest class share {f['min_class_share']:.1%}",
        f"  Frechet distance to the test set: {f['frechet_to_test']:.2f} "
        f"(real training images: {f['frechet_train_to_test']:.2f})",
    ])
