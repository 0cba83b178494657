"""Membership inference from the denoising loss: was this image among the model's training images?

A diffusion model is trained to predict the noise added to its training images. On an image it was
trained on, it has practised exactly that task, so its error (the *denoising loss*) tends to be lower
than on an image it never saw. The attack (Carlini et al. 2023, "Extracting Training Data from
Diffusion Models", sec. 6; Matsumoto et al. 2023, "Membership Inference Attacks against Diffusion
Models") is one line: **lower loss = member**.

For each image x_0, at one fixed timestep t (default 100) and one fixed noise draw eps (the same
draw for every image, chosen by ``seed``, so an image's score does not depend on what else is scored):

    loss(x_0) = mean over pixels of (network(x_t, t) - target)^2,  x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps

where the target is eps (or x_0 for models that predict the clean image). Two scores:

* ``plain``: the loss itself;
* ``calibrated``: the loss minus the loss of a *reference* model trained on the whole train split
  (60 000 images) -- an image that is simply easy to denoise is easy for both, so the difference keeps
  what is particular to this model's training set (Carlini et al.'s "calibrated" attack, after
  Watson et al. 2022). The 60 000-image model has no reference (it saw every training image).

Members are the model's training images (at most ``n_members``, chosen by ``seed``); non-members
are MNIST *test* images; the control replaces them by training images *the model did not use*
(same split, so no train/test shift can explain a result). The figures: ROC, AUC and the true
positive rate at 1 % and 0.1 % false positives (``memlab.analyses.roc``), with bootstrap intervals.

``membership(MODEL_ID)`` runs it all (``memlab membership MODEL_ID`` prints it).
"""

from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from memlab import zoo
from memlab.analyses.roc import Roc, bootstrap, roc
from memlab.data import datasets as data
from memlab.data.disk_cache import load_or_compute
from memlab.data.pixels import as_unit_images, unit_to_model
from memlab.judging.training_set import data_key
from memlab.models import store
from memlab.models.registry import MODELS, get_spec
from memlab.sampling.noise import normal, stream
from memlab.sampling.schedule import NoiseSchedule

TIMESTEP = 100  # t: low enough that the image still shows, high enough that the task is not trivial
MEMBERS = 1000  # members scored by default (all of them for smaller training sets)
NON_MEMBERS = 1000  # test images scored by default (and unused training images for the control)
BATCH = 500  # images per forward pass
GAN_WORDS = (
    "A GAN has no denoising loss: its generator maps noise to an image and is never asked to "
    "reconstruct a given picture, and its discriminator (which did see the training images) is not "
    "shipped. For a GAN, look for copies instead: `memlab extract {id}` (generate and group "
    "near-identical samples, no training set needed) or `memlab audit {id}` (nearest training images)."
)


def open_model(model_id: str):
    """The PyTorch network of the diffusion model ``model_id``, resolved by ``zoo.open`` (the loss is computed
    with PyTorch). GANs and classifiers raise a ValueError that says why."""
    model = zoo.open(model_id, engine="torch")
    if not model.is_generator:
        raise ValueError(
            f"{model_id} is a classifier, not a generator; membership inference here needs a "
            f"diffusion model ({', '.join(diffusion_models()[:3])}, ...)."
        )
    if not model.denoises:
        raise ValueError(GAN_WORDS.format(id=model_id))
    return model.network


def diffusion_models() -> list:
    return [m for m in MODELS if zoo.open(m).denoises]


def reference_id(model_id: str) -> str | None:
    """The reference for the calibrated score: the 60 000-image diffusion model of the same dataset that
    predicts what ``model_id`` predicts (the noise; a loss on x_0 is on another scale). None for that
    model itself and for the one-image models, which predict x_0."""
    spec = get_spec(model_id)
    ref = next(
        (
            m
            for m in diffusion_models()
            if MODELS[m].dataset == spec.dataset
            and MODELS[m].train_size == 60000
            and MODELS[m].schedule.prediction == spec.schedule.prediction
        ),
        None,
    )
    return None if ref == model_id or ref is None or not store.is_trained(ref) else ref


def training_rows(model) -> np.ndarray:
    """Train-split indices of the images ``model`` was trained on."""
    rows = model.subset_indices
    return np.arange(len(data.load(model.spec.dataset, "train"))) if rows is None else np.asarray(rows)


@torch.no_grad()
def denoising_loss(model, images, t: int = TIMESTEP, seed: int = 0, progress: bool = False) -> np.ndarray:
    """The per-image denoising loss of a diffusion model at timestep ``t``.

    Args:
        model: a diffusion model (``open_model``).
        images: (N, 28, 28) uint8 or 0..1 floats (``memlab.data.pixels.as_unit_images``).
        t: the timestep, 0 .. T-1.
        seed: chooses the one noise draw used for every image.

    Returns:
        (N,) float64: mean squared error of the network's output against its training target.
    """
    steps = model.spec.schedule.num_train_timesteps
    if not isinstance(t, (int, np.integer)) or isinstance(t, bool) or not 0 <= t < steps:
        raise ValueError(f"The timestep t must be a whole number from 0 to {steps - 1}, got {t!r}.")
    schedule = NoiseSchedule(model.spec.schedule)
    x0_all = unit_to_model(torch.from_numpy(as_unit_images(images)))[:, None]  # (N, 1, 28, 28)
    noise = torch.from_numpy(normal(stream(int(seed)), (1, 1, 28, 28)))  # one draw, as every seed in memlab
    device = next(model.net.parameters()).device
    losses = []
    for start in tqdm(range(0, len(x0_all), BATCH), desc=f"loss of {model.id}", disable=not progress):
        x0 = x0_all[start : start + BATCH].to(device)
        eps = noise.to(device).expand_as(x0)
        tt = torch.full((len(x0),), int(t), dtype=torch.long, device=device)
        # 1. noise the image to step t (Ho et al. eq. 4); 2. ask the network; 3. its squared error
        output = model.net(schedule.add_noise(x0, eps, tt), tt)
        losses.append(((output - schedule.target(x0, eps, tt)) ** 2).mean(dim=(1, 2, 3)).double().cpu())
    return torch.cat(losses).numpy()


def _choose(rows: np.ndarray, n: int, rng) -> np.ndarray:
    return np.sort(rng.choice(rows, size=min(n, len(rows)), replace=False))


def image_sets(model, n_members: int = MEMBERS, n_non_members: int = NON_MEMBERS, seed: int = 0) -> dict:
    """The three image sets, as train/test row numbers chosen by ``seed``: ``members`` (train rows the model
    saw), ``non_members`` (test rows) and ``control`` (train rows it did not see; empty for 60 000)."""
    for name, n in (("members", n_members), ("non-members", n_non_members)):
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
            raise ValueError(f"The number of {name} must be a positive whole number, got {n!r}.")
    train_size, test_size = (len(data.load(model.spec.dataset, s)) for s in ("train", "test"))
    rng = np.random.default_rng(seed)
    seen = training_rows(model)
    unseen = np.setdiff1d(np.arange(train_size), seen)
    return {
        "members": _choose(seen, n_members, rng),
        "non_members": _choose(np.arange(test_size), n_non_members, rng),
        "control": _choose(unseen, n_non_members, rng) if len(unseen) else np.zeros(0, np.int64),
    }


@dataclass
class Membership:
    """Losses of one model (and of its reference) on members, non-members and the control."""

    model_id: str
    reference_id: str | None
    t: int
    seed: int
    rows: dict  # "members" / "non_members" / "control" -> row numbers (train, test, train)
    loss: dict  # the same keys -> (n,) loss of the model
    ref_loss: dict  # the same keys -> (n,) loss of the reference (empty when there is none)

    def scores(self, which: str, calibrated: bool = False) -> np.ndarray:
        """Per-image scores of one set; lower = more likely a member."""
        if calibrated:
            if not self.ref_loss:
                raise ValueError(f"{self.model_id} has no reference model, so no calibrated score.")
            return self.loss[which] - self.ref_loss[which]
        return self.loss[which]

    def roc(self, calibrated: bool = False, against: str = "non_members") -> Roc:
        return roc(self.scores("members", calibrated), self.scores(against, calibrated))

    def summary(self, reps: int = 200) -> dict:
        """Every figure, with 95 % bootstrap intervals (``reps`` resamples, seeded)."""

        def figures(calibrated, against):
            if against == "control" and not len(self.rows["control"]):
                return None
            return {
                **self.roc(calibrated, against).figures(),
                "interval_95": bootstrap(
                    self.scores("members", calibrated), self.scores(against, calibrated), reps, self.seed
                ),
            }

        out = {
            "model": self.model_id,
            "training_images": get_spec(self.model_id).train_size,
            "t": self.t,
            "seed": self.seed,
            "members": len(self.rows["members"]),
            "non_members": len(self.rows["non_members"]),
            "control": len(self.rows["control"]),
            "reference": self.reference_id,
            "rule": "lower denoising loss = member",
            "plain": figures(False, "non_members"),
            "plain_control": figures(False, "control"),
        }
        if self.reference_id:
            out["calibrated"] = figures(True, "non_members")
            out["calibrated_control"] = figures(True, "control")
        return out


def _set_images(dataset: str, rows: dict) -> dict:
    train, test = data.load(dataset, "train").images, data.load(dataset, "test").images
    return {
        "members": train[rows["members"]],
        "non_members": test[rows["non_members"]],
        "control": train[rows["control"]],
    }


def losses_of(model_id: str, rows: dict, t: int, seed: int, progress: bool = False) -> dict:
    """The losses of ``model_id`` on the three sets; kept on disk (``memlab.data.disk_cache``) per model weights,
    sets, t and seed, so a second run (another kernel, the dashboard, the CLI) loads them in milliseconds."""
    model = open_model(model_id)
    images = _set_images(model.spec.dataset, rows)
    key = {
        **data_key(model.spec.dataset),
        "model": model_id,
        "weights": model.card.get("weights_sha256"),
        "t": int(t),
        "seed": int(seed),
        "noise": "numpy",
        **{k: data.indices_sha256(v) for k, v in rows.items()},
    }

    def compute():
        return {k: denoising_loss(model, v, t, seed, progress) if len(v) else np.zeros(0) for k, v in images.items()}

    return load_or_compute(f"membership-{model_id}", key, compute)


def membership(
    model_id: str,
    n_members: int = MEMBERS,
    n_non_members: int = NON_MEMBERS,
    t: int = TIMESTEP,
    seed: int = 0,
    reference: bool = True,
    control: bool = True,
    progress: bool = False,
) -> Membership:
    """Score members, non-members (test images) and the control (unused training images) of ``model_id``.

    Args:
        model_id: a diffusion model of the zoo (a GAN raises a ValueError saying why and what to use).
        n_members, n_non_members: images in each set (members: at most the training-set size).
        t: the timestep of the loss.
        seed: chooses the images and the noise draw; the same seed gives the same numbers.
        reference: also score with the 60 000-image model (the calibrated score).
        control: also score unused training images.
        progress: show progress bars.
    """
    model = open_model(model_id)
    rows = image_sets(model, n_members, n_non_members, seed)
    if not control:
        rows["control"] = np.zeros(0, np.int64)
    ref = reference_id(model_id) if reference else None
    loss = losses_of(model_id, rows, t, seed, progress)
    ref_loss = losses_of(ref, rows, t, seed, progress) if ref else {}
    return Membership(model_id, ref, int(t), int(seed), rows, loss, ref_loss)


def score_image(model_id: str, image, t: int = TIMESTEP, seed: int = 0) -> dict:
    """One image's plain (and calibrated) score, to place on ``membership(...)``'s distributions."""
    plain = float(denoising_loss(open_model(model_id), image, t, seed)[0])
    ref = reference_id(model_id)
    out = {"plain": plain, "calibrated": None}
    if ref:
        out["calibrated"] = plain - float(denoising_loss(open_model(ref), image, t, seed)[0])
    return out


def report(summary: dict) -> str:
    """``Membership.summary()`` as a few readable lines (what ``memlab membership`` prints)."""
    s = summary
    lines = [
        f"{s['model']} (trained on {s['training_images']} images): denoising loss at t = {s['t']}, "
        f"seed {s['seed']}; {s['rule']}",
        f"  {s['members']} members vs {s['non_members']} unseen test images"
        + (f" (control: {s['control']} unused training images)" if s["control"] else ""),
    ]
    rows = [
        ("plain", "plain, vs test images"),
        ("plain_control", "plain, vs unused training images"),
        ("calibrated", f"minus {s['reference']}'s loss"),
        ("calibrated_control", "  the same, vs unused training"),
    ]
    lines.append(f"  {'score':<38}{'AUC':>7}  {'95 % interval':<15}{'TPR@1% FPR':>11}{'TPR@0.1% FPR':>13}")
    for key, words in rows:
        f = s.get(key)
        if f:
            low, high = f["interval_95"]["auc"]
            lines.append(
                f"  {words:<38}{f['auc']:>7.3f}  {low:.3f}-{high:.3f}    {f['tpr_at_0.01_fpr']:>9.1%}"
                f"{f['tpr_at_0.001_fpr']:>13.1%}"
            )
    lines.append(
        f"  (0.5 = a coin; TPR at 0.1 % FPR is measurable only with >= 1000 non-members; "
        f"lowest here {s['plain']['lowest_measurable_fpr']:.1%})"
    )
    return "\n".join(lines)
