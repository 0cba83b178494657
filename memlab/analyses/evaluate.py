"""Figures that say how good a generator is and how much it copies (``memlab evaluate ID``).

For N seeded samples of a model:

* **quality** (THE quality figure): the Fréchet distance in the dataset classifier's feature space
  (the FID recipe of Heusel et al. 2017 with our classifier in place of Inception) from the samples
  to the 10 000 test images. Beside it, two references on the same scale:

  - the **floor**: the same distance from N real training images (a perfect generator's score at
    this N; it shrinks as N grows, since the distance is estimated from N images);
  - the **one-picture scale**: Tr of the test features' covariance. A "generator" that always draws
    the same picture scores at least this, however good that picture (its covariance is zero).

  **Pass**: Fréchet distance <= ``QUALITY_PASS`` (0.4) x the one-picture scale. Measured with
  N = 1 000 (``python scripts/zoo_report.py``; noise etc. by ``tests/fast/test_evaluate_quality.py``):
  the shipped 60 000-image models score 0.03-0.16 of the scale (MNIST diffusion 0.03, the GANs 0.12
  and 0.16, Fashion diffusion 0.06); uniform noise, a blank picture and shuffled-pixel test images
  score 0.99-12 (the closest to passing: shuffled Fashion-MNIST images, 0.99). 0.4 sits between the
  two groups, about 2.5 times from each.
* **copies**: each sample's nearest image among the model's own training images (exact, whole
  training set); the share under the article's "perfect copy" (0.0009) and "near copy" (0.006)
  thresholds (``memlab.judging.metrics``);
* **what the classifier says**, reported as what it is and no more: the share of samples it names
  with confidence >= 0.9, and the share of each class. Confidence is NOT a quality figure: the
  MNIST classifier is >= 0.9 sure on 100 % of uniform-noise images (all "8") and of blank images (all "1").
"""

import functools

import numpy as np
from tqdm.auto import tqdm

from memlab import zoo
from memlab.data import datasets as data
from memlab.judging.metrics import NEAR_COPY, PERFECT_COPY, copy_shares
from memlab.judging.nearest import find_nearest
from memlab.sampling import noise

QUALITY_PASS = 0.4  # pass: Fréchet distance <= 0.4 x the one-picture scale (see the module docstring)


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


@functools.lru_cache(maxsize=4)
def _test_features(dataset: str, engine: str) -> np.ndarray:
    """Classifier features of the 10 000 test images, computed once per dataset."""
    return zoo.classifier(dataset, engine).features(data.load(dataset, "test").images)


def quality(images, dataset: str, seed: int = 0, engine: str = "torch") -> dict:
    """The quality figure of a set of generated images (at least 2): Fréchet distance to the test set,
    its floor (as many real training images, chosen by ``seed``), the one-picture scale and the verdict.
    ``engine``: what runs the classifier ("torch" or "onnx")."""
    if len(images) < 2:
        raise ValueError("The Fréchet distance needs at least 2 images (a covariance).")
    classifier, test_features = zoo.classifier(dataset, engine), _test_features(dataset, engine)
    train = data.load(dataset, "train")
    real = train.images[
        np.random.default_rng(seed).choice(len(train), size=min(len(images), len(train)), replace=False)
    ]
    frechet = frechet_distance(classifier.features(images), test_features)
    scale = float(np.trace(np.cov(test_features, rowvar=False)))
    return {
        "frechet_to_test": frechet,
        "frechet_train_to_test": frechet_distance(classifier.features(real), test_features),
        "frechet_one_picture_scale": scale,
        "frechet_share_of_scale": frechet / scale,
        "quality_pass": bool(frechet <= QUALITY_PASS * scale),
    }


def generate(model, n: int, seed: int, batch: int = 250, progress: bool = True) -> np.ndarray:
    """``n`` samples on 0..1 of ``model`` (``zoo.open(id)``, its default sampler), drawn in batches from the
    one NumPy stream of ``seed`` (``memlab.sampling.noise``): ``n = 1`` gives the image ``memlab sample`` does."""
    rng = noise.stream(seed)
    chunks = [
        model.sample(min(batch, n - start), rng)
        for start in tqdm(range(0, n, batch), desc=f"sampling {model.id}", disable=not progress)
    ]
    return np.concatenate(chunks)


def evaluate(model, n: int = 1000, seed: int = 0, progress: bool = True) -> dict:
    """Sample ``n`` images from ``model`` (``zoo.open(id)``) and compute the figures in the module docstring."""
    if not model.is_generator:
        raise ValueError(f"{model.id} is a classifier; its test accuracy is in its card (memlab zoo).")
    if not isinstance(n, int) or n < 2:
        raise ValueError("--n must be at least 2 (the Fréchet distance needs a covariance).")
    samples = generate(model, n, seed, progress=progress)
    nearest = find_nearest(samples, model.saw, k=1, scope="whole set", classifier=model.classifier)
    article = nearest.result.rmse_article[:, 0]
    class_share = np.bincount(nearest.labels, minlength=10) / n
    return {
        "model": model.id,
        "n": n,
        "seed": seed,
        **quality(samples, model.dataset, seed, model.engine),
        "searched": nearest.what,
        "scope": nearest.scope,
        **copy_shares(article),
        "nearest_rmse_article_median": float(np.median(article)),
        "confident_share": float((nearest.confidences >= 0.9).mean()),
        "class_share": [round(float(s), 4) for s in class_share],
        "min_class_share": float(class_share.min()),
    }


def summary(figures: dict) -> str:
    """The figures as a few readable lines."""
    f = figures
    verdict = "pass" if f["quality_pass"] else "FAIL"
    return "\n".join(
        [
            f"{f['model']}: {f['n']} samples (seed {f['seed']})",
            f"  quality: Fréchet distance to the test set {f['frechet_to_test']:.2f} "
            f"({f['frechet_share_of_scale']:.2f} of the one-picture scale {f['frechet_one_picture_scale']:.1f}; "
            f"pass <= {QUALITY_PASS}): {verdict}",
            f"           {f['n']} real training images score {f['frechet_train_to_test']:.2f} (the floor at this N)",
            f"  copies among {f['searched']}:",
            f"    perfect copies (article RMSE < {PERFECT_COPY}): {f['perfect_copy_share']:.1%}",
            f"    near copies    (article RMSE < {NEAR_COPY}):  {f['near_copy_share']:.1%}",
            f"    median article RMSE to the nearest training image: {f['nearest_rmse_article_median']:.5f}",
            f"  the classifier (how sure it is, not quality): confidence >= 0.9 on {f['confident_share']:.1%}; "
            f"smallest class share {f['min_class_share']:.1%}",
        ]
    )
