"""The training loop shared by every model: batches, progress bar, checkpoints, resume.

``train(MODEL_ID)`` writes, in ``OUT/MODEL_ID/``:

* ``checkpoint.pt``  resumable: weights, optimizer state, step, RNG state (for ``--resume``);
* ``MODEL_ID.pt``    the shippable weights with their card (what ``memlab.zoo`` loads);
* ``MODEL_ID.json``  the card alone, human-readable.
"""

import os
import platform
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from memlab.data import datasets as data
from memlab.data.pixels import as_unit_images, uint8_to_unit, unit_to_model
from memlab.models import checkpoint
from memlab.models.registry import ModelSpec
from memlab.models.torch_models import KINDS
from memlab.training.trainers import TRAINERS

FP16_ABOVE_BYTES = 8_000_000  # shipped weights larger than this in float32 are stored as float16


def git_commit() -> str:
    """The commit the code was run from (``$MEMLAB_GIT_COMMIT`` overrides, e.g. on a copied tree)."""
    if os.environ.get("MEMLAB_GIT_COMMIT"):
        return os.environ["MEMLAB_GIT_COMMIT"]
    try:
        here = Path(__file__).parent
        commit = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(here), "status", "--porcelain", "--", "."], capture_output=True, text=True, timeout=10
        ).stdout.strip()
        return (commit + ("-dirty" if dirty else "")) or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} GPU, {os.cpu_count()} CPU cores"
    return f"{platform.machine()} CPU, {torch.get_num_threads()} threads"


def training_tensors(spec: ModelSpec, device, images=None):
    """The training subset as model-scale tensors on ``device``, plus its dataset indices.

    ``images`` (N, 28, 28) replaces the subset (e.g. a learner's drawing): label 0, no dataset indices."""
    if images is not None:
        x = unit_to_model(torch.from_numpy(as_unit_images(images, "training images")))[:, None]
        return x.to(device), torch.zeros(len(x), dtype=torch.long, device=device), np.zeros(0, dtype=np.int64)
    train = data.load(spec.dataset, "train")
    indices = data.subset_indices(len(train), spec.train_size, spec.subset_seed)
    x = unit_to_model(torch.from_numpy(uint8_to_unit(train.images[indices])))[:, None]  # (N, 1, 28, 28)
    y = torch.from_numpy(train.labels[indices])
    return x.to(device), y.to(device), indices


def shippable_weights(weights: dict) -> tuple[dict, str]:
    """CPU copies of the weights, in float16 if float32 would exceed the zoo's size limit."""
    weights = {k: v.detach().cpu().clone() for k, v in weights.items()}
    size = sum(v.numel() * v.element_size() for v in weights.values())
    if size <= FP16_ABOVE_BYTES:
        return weights, "float32"
    return {k: v.half() if v.is_floating_point() else v for k, v in weights.items()}, "float16"


LOSS_EVERY = 100  # the card logs the mean loss of every 100 steps (read back from the device that often)


@dataclass
class Run:
    """Where one training run stands: what its checkpoints and its card are made from."""

    spec: ModelSpec
    out: Path  # the run's folder, out_dir/spec.id
    device: torch.device
    trainer: object  # the kind's trainer (memlab.training.trainers): networks and optimizers
    generator: torch.Generator  # batches and noise
    indices: np.ndarray = None  # dataset indices of the training images
    step: int = 0  # optimizer steps done, over every call (a resume continues the count)
    wall_before: float = 0.0  # seconds spent in earlier calls
    started: float = field(default_factory=time.monotonic)  # when this call began
    losses: list = field(default_factory=list)  # mean loss of each full LOSS_EVERY steps
    running: list = field(default_factory=list)  # losses (0-d tensors) of the steps since the last full entry

    def log(self, loss: torch.Tensor) -> None:
        self.running.append(loss)
        if len(self.running) == LOSS_EVERY:
            self.losses.append(torch.stack(self.running).mean().item())
            self.running = []

    def loss_log(self) -> list:
        """The card's log: every full entry, then the mean of the steps since (if any)."""
        return self.losses + ([torch.stack(self.running).mean().item()] if self.running else [])

    def wall_s(self) -> float:
        return self.wall_before + time.monotonic() - self.started

    def state(self, wall_s: float) -> dict:
        """What a resumed run needs (the ``training`` entry of ``checkpoint.pt``)."""
        return {
            "trainer": self.trainer.state(),
            "step": self.step,
            "wall_s": wall_s,
            "losses": self.losses,
            "running_losses": [v.item() for v in self.running],
            "rng": self.generator.get_state(),
        }

    def restore(self, state: dict) -> None:
        self.trainer.load_state(state["trainer"])
        self.step, self.wall_before, self.losses = state["step"], state["wall_s"], list(state["losses"])
        self.running = [torch.tensor(v, device=self.device) for v in state.get("running_losses", [])]
        self.generator.set_state(state["rng"])


def make_card(run: Run, weights: dict, dtype: str, wall_s: float, extra: dict | None) -> dict:
    """The provenance card of a checkpoint (see the zoo's model cards)."""
    spec, indices, losses = run.spec, run.indices, run.loss_log()
    params = sum(v.numel() for k, v in weights.items() if "running" not in k and "num_batches" not in k)
    card = {
        "id": spec.id,
        "label": spec.label,
        "kind": spec.kind,
        "architecture": KINDS[spec.kind].architecture,
        "parameters": int(params),
        "dataset": spec.dataset,
        "train_size": spec.train_size,
        "subset_seed": spec.subset_seed,
        "subset_indices_sha256": data.indices_sha256(indices),
        "subset_indices": indices.tolist() if len(indices) <= 3000 else "see checkpoint['subset_indices']",
        "steps": run.step,
        "batch_size": spec.train.batch_size,
        "epochs": round(run.step * spec.train.batch_size / spec.train_size, 2),
        "wall_time_s": round(wall_s, 1),
        "machine": machine(run.device),
        "torch": str(torch.__version__),
        "git_commit": git_commit(),
        "loss_first": losses[0] if losses else None,
        "loss_final": losses[-1] if losses else None,
        "loss_per_100_steps": [round(v, 5) for v in losses],
        "default_sampler": spec.default_sampler if spec.kind == "diffusion" else None,
        "default_steps": spec.default_steps if spec.kind == "diffusion" else None,
        "weights_sha256": checkpoint.weights_sha256(weights),
        "weights_dtype": dtype,
    }
    card.update(extra or {})
    return card


def _save(run: Run, extra: dict | None = None) -> dict:
    """Write the resumable checkpoint, the shippable one and the card; returns the card."""
    wall_s = run.wall_s()
    weights, dtype = shippable_weights(run.trainer.weights())
    card = make_card(run, weights, dtype, wall_s, extra)
    shipped = {
        "format": checkpoint.FORMAT,
        "spec": run.spec.to_dict(),
        "weights": weights,
        "card": card,
        "subset_indices": torch.from_numpy(run.indices.astype(np.int32)),
    }
    checkpoint.save(run.out / "checkpoint.pt", dict(shipped, training=run.state(wall_s)))
    checkpoint.save(run.out / f"{run.spec.id}.pt", shipped)
    checkpoint.write_card(run.out / f"{run.spec.id}.json", card)
    return card


def train(
    spec: ModelSpec,
    out_dir="runs",
    steps=None,
    max_minutes=None,
    resume=False,
    device=None,
    progress=True,
    images=None,
    on_step=None,
) -> dict:
    """Train ``spec`` and write its checkpoints; returns the final card.

    Args:
        spec: the registry entry (``memlab.models.registry.get_spec(id)``).
        out_dir: checkpoints go to ``out_dir/spec.id/``.
        steps: total optimizer steps to reach (default: the spec's); with ``resume`` the count continues.
        max_minutes: stop (after saving) once this much wall time has passed in this call.
        resume: continue from ``out_dir/spec.id/checkpoint.pt`` (weights, optimizer, step, RNG).
        device: ``"cpu"``, ``"cuda"``, or None for CUDA when available.
        images: train on these images instead of the spec's subset (see ``training_tensors``).
        on_step: called as ``on_step(step, total, latest_loss_or_None)`` after every step (progress
            bars); an exception raised in it stops training at once, with nothing saved.
    """
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    out = Path(out_dir) / spec.id
    total = steps or spec.train.steps
    torch.manual_seed(spec.train.seed)  # network initialisation
    run = Run(
        spec, out, device, TRAINERS[spec.kind](spec, device, total), torch.Generator().manual_seed(spec.train.seed)
    )
    if resume:
        saved = checkpoint.load(out / "checkpoint.pt", expect_id=spec.id)
        if "training" not in saved:
            raise checkpoint.CheckpointError(f"{out / 'checkpoint.pt'} has no training state to resume from.")
        run.restore(saved["training"])
    x, y, run.indices = training_tensors(spec, device, images)

    run.started, card = time.monotonic(), None
    bar = tqdm(total=total, initial=run.step, desc=spec.id, disable=not progress, unit="step")
    while run.step < total:
        pick = torch.randint(0, len(x), (spec.train.batch_size,), generator=run.generator).to(device)
        run.log(run.trainer.step((x[pick], y[pick]), run.generator))
        run.step += 1
        bar.update(1)
        if not run.running:  # a full entry was just logged
            bar.set_postfix(loss=f"{run.losses[-1]:.4f}")
        out_of_time = max_minutes is not None and time.monotonic() - run.started > 60 * max_minutes
        if on_step is not None:
            on_step(run.step, total, run.losses[-1] if run.losses else None)
        if run.step % spec.train.checkpoint_every == 0 or run.step == total or out_of_time:
            card = _save(run, run.trainer.final_figures() if run.step == total else None)
        if out_of_time:
            break
    bar.close()
    if card is None:  # nothing to do: the checkpoint was already at the target step
        card = checkpoint.load(out / f"{spec.id}.pt", expect_id=spec.id)["card"]
    return card
