"""The audit's figures, drawn with matplotlib's object interface (no global pyplot state, no display
needed): a histogram of sample distances over the natural baseline, a gallery of the closest
sample/training pairs, and the memorization-vs-training-set-size curve. Each returns the Figure;
``save`` writes it as a PNG.
"""

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from memlab.data import datasets as data
from memlab.judging import criteria
from memlab.judging.metrics import NEAR_COPY, PERFECT_COPY
from memlab.models.registry import get_spec

COLOURS = {
    "perfect_copy": "#b00020",
    "near_copy": "#e07000",
    "nearest_ratio": "#1f5fbf",
    "calibrated_distance": "#2a9d3a",
}


def save(figure: Figure, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, bbox_inches="tight")
    return path


def histogram(audit) -> Figure:
    """Nearest-training-image distances (article scale, log axis) of the samples over the baseline's."""
    samples, baseline = audit.samples.nearest_article, audit.baseline.nearest_article
    smallest = max(min(samples.min(), baseline.min()), 1e-6)
    bins = np.geomspace(smallest * 0.9, max(samples.max(), baseline.max()) * 1.1, 60)
    figure = Figure(figsize=(7, 3.6))
    ax = figure.subplots()
    ax.hist(baseline, bins=bins, alpha=0.5, color="grey", label=f"unseen test images ({len(baseline)})")
    ax.hist(samples, bins=bins, alpha=0.6, color="#1f5fbf", label=f"samples of {audit.model_id} ({len(samples)})")
    for value, name, colour in (
        (PERFECT_COPY, "perfect copy", COLOURS["perfect_copy"]),
        (NEAR_COPY, "near copy", COLOURS["near_copy"]),
    ):
        ax.axvline(value, color=colour, linestyle="--", label=f"{name} < {value}")
    ax.set_xscale("log")
    ax.set_xlabel("RMSE to the nearest training image (article scale, log)")
    ax.set_ylabel("images")
    ax.legend(fontsize=8)
    ax.set_title("How close are samples to the training set, beside real unseen images?", fontsize=10)
    return figure


def gallery(audit, pairs: int = 16) -> Figure:
    """The ``pairs`` samples closest to a training image, each above its nearest training image."""
    dataset = get_spec(audit.model_id).dataset
    train = data.load(dataset, "train").images
    side = audit.samples
    order = np.argsort(side.rmse[:, 0], kind="stable")[:pairs]
    ratio = criteria.nearest_ratio(side.rmse)
    columns = min(8, len(order))
    rows = 2 * int(np.ceil(len(order) / columns))
    figure = Figure(figsize=(1.3 * columns, 1.45 * rows))
    axes = np.atleast_2d(figure.subplots(rows, columns, squeeze=False))
    for ax in axes.ravel():
        ax.axis("off")
    for i, s in enumerate(order):
        top, bottom = axes[2 * (i // columns), i % columns], axes[2 * (i // columns) + 1, i % columns]
        top.imshow(side.images[s], cmap="gray", vmin=0, vmax=1 if side.images.dtype != np.uint8 else 255)
        top.set_title(f"sample {s}", fontsize=7)
        bottom.imshow(train[side.neighbours[s, 0]], cmap="gray", vmin=0, vmax=255)
        text = f"#{side.neighbours[s, 0]}\n{side.nearest_article[s]:.5f}"
        bottom.set_title(text + ("" if np.isnan(ratio[s]) else f" r={ratio[s]:.2f}"), fontsize=7)
    figure.suptitle(
        f"{audit.model_id}: closest samples (top) and their nearest training images "
        "(bottom: index, article RMSE, nearest/second ratio)",
        fontsize=8,
    )
    return figure


def curve_figure(result: dict) -> Figure:
    """Share memorized under each criterion against training-set size; dotted: the natural baseline."""
    rows = result["rows"]
    sizes = [r["training_images"] for r in rows]
    figure = Figure(figsize=(7, 5.4), layout="constrained")
    ax = figure.subplots()

    def percent(share):  # None: the criterion does not apply (one training image); not plotted
        return np.nan if share is None else 100 * share

    for name in criteria.CRITERIA:
        colour = COLOURS[name]
        ax.plot(
            sizes, [percent(r["samples"][name]) for r in rows], "o-", color=colour, label=criteria.DESCRIPTIONS[name]
        )
        # the baseline is often 0 %: crosses on a dotted line, drawn above the x-axis (ylim below), stay visible
        ax.plot(sizes, [percent(r["baseline"][name]) for r in rows], "x:", color=colour, lw=1.8, ms=7, alpha=0.9)
    ax.plot([], [], "x:", color="grey", label="crosses, dotted: the same criterion on unseen test images")
    ax.set_xscale("log")
    ax.set_xlabel("training images (log axis)")
    ax.set_ylabel("images called memorized (%)")
    ax.set_ylim(-8, 103)
    figure.legend(loc="outside lower center", fontsize=8, frameon=False)  # under the plot, never over a point
    ax.set_title(f"MNIST diffusion: memorization against training-set size ({result['n']} samples each)", fontsize=10)
    return figure
