"""Figures of membership inference and extraction (matplotlib's object interface; each returns a Figure).

* ``losses_and_roc``: the members' and non-members' loss histograms with a threshold, beside the ROC
  curve with the threshold's point on it (lesson 07's widget draws this);
* ``roc_curves``: several models' ROC curves on log axes, where "TPR at 1 % FPR" can be read;
* ``leakage_curve``: copying and membership leakage against training-set size, in one figure
  (``scripts/membership_report.py`` writes it for docs/audit.md).
"""

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

from memlab.models.registry import get_spec

MEMBER, NON_MEMBER = "#b00020", "#7a7a7a"


def rates_at(member_scores, non_member_scores, threshold: float) -> tuple[float, float]:
    """(TPR, FPR) of "member when score <= threshold"."""
    return (
        float((np.asarray(member_scores) <= threshold).mean()),
        float((np.asarray(non_member_scores) <= threshold).mean()),
    )


def losses_and_roc(result, threshold: float, calibrated: bool = False) -> Figure:
    """Left: histograms of the score on members and on unseen test images, the threshold drawn; right:
    the ROC curve and the point the threshold gives."""
    members, others = result.scores("members", calibrated), result.scores("non_members", calibrated)
    tpr, fpr = rates_at(members, others, threshold)
    curve = result.roc(calibrated)
    figure = Figure(figsize=(10, 3.8))
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    everything = np.concatenate([members, others])
    positive = not calibrated and everything.min() > 0
    bins = (
        np.geomspace(everything.min() * 0.95, everything.max() * 1.05, 50)
        if positive
        else np.linspace(everything.min(), everything.max(), 50)
    )
    left.hist(others, bins=bins, alpha=0.55, color=NON_MEMBER, label=f"unseen test images ({len(others)})")
    left.hist(members, bins=bins, alpha=0.55, color=MEMBER, label=f"training images ({len(members)})")
    left.axvline(threshold, color="black", linewidth=2.5, label=f"threshold {threshold:.4g}")
    left.axvspan(bins[0], threshold, color="black", alpha=0.07)
    if positive:
        left.set_xscale("log")
        # often about a decade wide: label 1, 2 and 5 of each decade (only 1 over many decades), plainly, and
        # no minor tick labels (they collide)
        narrow = np.log10(bins[-1] / bins[0]) < 1.5
        left.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0) if narrow else (1.0,)))
        left.xaxis.set_major_formatter(FormatStrFormatter("%g"))
        left.xaxis.set_minor_formatter(NullFormatter())
    what = f"loss minus {result.reference_id}'s loss" if calibrated else "denoising loss"
    left.set_xlabel(f"{what} at t = {result.t}" + (" (log axis)" if positive else "") + "; lower = 'member'")
    left.set_ylabel("number of images")
    left.set_title(f"{result.model_id}: left of the threshold is called 'member'", fontsize=10)
    left.set_ylim(0, left.get_ylim()[1] * 1.4)  # headroom: the legend sits above the bars, never over them
    left.legend(fontsize=8, loc="upper right")
    right.plot(curve.fpr, curve.tpr, color=MEMBER, label=f"ROC (AUC {curve.auc:.3f})")
    right.plot([0, 1], [0, 1], color=NON_MEMBER, linestyle="--", label="a coin (AUC 0.5)")
    right.plot([fpr], [tpr], "o", color="black", markersize=9, label=f"threshold: TPR {tpr:.0%}, FPR {fpr:.0%}")
    right.set_xlabel("false positive rate (unseen images called 'member')")
    right.set_ylabel("true positive rate (members caught)")
    right.set_xlim(0, 1)
    right.set_ylim(0, 1.02)
    right.legend(fontsize=8, loc="lower right")
    right.set_title("Every threshold is one point of the ROC curve", fontsize=10)
    figure.tight_layout()
    return figure


def roc_curves(results: list, calibrated: bool = False) -> Figure:
    """ROC curves of several models on log-log axes (low false positive rates made visible)."""
    figure = Figure(figsize=(6.4, 5.6), layout="constrained")
    ax = figure.subplots()
    floor = 1 / max(len(r.rows["non_members"]) for r in results)
    # curves that coincide (two models caught completely) stay visible: the first drawn is the widest,
    # each later one thinner and dashed differently, so a curve under another shows at its edges
    styles = ["-", "--", "-.", ":"]
    for i, r in enumerate(results):
        curve = r.roc(calibrated and bool(r.ref_loss))
        ax.plot(
            np.maximum(curve.fpr, floor / 2),
            np.maximum(curve.tpr, floor / 2),
            drawstyle="steps-post",
            linestyle=styles[i % len(styles)],
            linewidth=max(4.5 - 1.2 * i, 1.5),
            label=f"{get_spec(r.model_id).train_size:,} images: AUC {curve.auc:.3f}, "
            f"TPR {curve.tpr_at(0.01):.1%} at 1 % FPR",
        )
    grid = np.geomspace(floor / 2, 1, 50)
    ax.plot(grid, grid, color=NON_MEMBER, linestyle="--", label="a coin")
    ax.axvline(0.01, color="black", linewidth=0.8, linestyle=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("false positive rate (log axis)")
    ax.set_ylabel("true positive rate (log axis)")
    ax.set_title("Membership inference by denoising loss" + (" (calibrated)" if calibrated else ""), fontsize=10)
    figure.legend(loc="outside lower center", fontsize=8, frameon=False)  # under the plot, never over a curve
    return figure


def leakage_curve(rows: list) -> Figure:
    """Copy rates (samples' near/perfect-copy shares) and membership AUC / TPR at 1 % FPR against
    training-set size. ``rows``: dicts with ``training_images``, ``perfect_copy``, ``near_copy``,
    ``near_copy_baseline``, ``auc``, ``tpr_at_0.01_fpr`` (and optional ``calibrated_...`` keys)."""
    sizes = [r["training_images"] for r in rows]
    figure = Figure(figsize=(8, 5.4), layout="constrained")
    ax = figure.subplots()
    ax.plot(sizes, [r["perfect_copy"] for r in rows], "s-", color="#7a1020", label="samples: perfect copies")
    ax.plot(sizes, [r["near_copy"] for r in rows], "s-", color="#e07000", label="samples: near copies")
    ax.plot(
        sizes,
        [r["near_copy_baseline"] for r in rows],
        "x:",
        color="#e07000",
        markersize=8,
        linewidth=1.8,
        label="unseen test images: 'near copies' (baseline)",
    )
    ax.plot(
        sizes,
        [2 * r["auc"] - 1 for r in rows],
        "o-",
        color="#1f5fbf",
        linewidth=2.5,
        label="membership: 2 x AUC - 1 (0 = a coin)",
    )
    ax.plot(sizes, [r["tpr_at_0.01_fpr"] for r in rows], "o--", color="#1f5fbf", label="membership: TPR at 1 % FPR")
    calibrated = [(s, r["calibrated_auc"]) for s, r in zip(sizes, rows) if r.get("calibrated_auc") is not None]
    if calibrated:
        ax.plot(
            [s for s, _ in calibrated],
            [2 * a - 1 for _, a in calibrated],
            "^-",
            color="#2a9d3a",
            label="membership, calibrated by the 60 000-image model: 2 x AUC - 1",
        )
    ax.set_xscale("log")
    ax.set_ylim(-0.1, 1.05)  # a share of 0 sits above the x-axis, visible
    ax.set_xlabel("training images (log axis)")
    ax.set_ylabel("share of samples / leakage (0..1)")
    ax.set_title("Copying stops around 1 000 training images; membership leakage does not", fontsize=10)
    figure.legend(loc="outside lower center", fontsize=8, frameon=False, ncol=2)  # under the plot, never over a line
    return figure


def groups_gallery(result, train_images, most: int = 8) -> Figure:
    """Extraction: the medoid of each of the ``most`` largest groups (top row, with the group's size) above the
    training image nearest to it (bottom row, with its 0-1 RMSE): what the attacker found, then the check."""
    shown = min(most, len(result.groups))
    figure = Figure(figsize=(1.35 * max(shown, 1), 3.1))
    if not shown:
        ax = figure.subplots()
        ax.axis("off")
        ax.text(
            0.5,
            0.5,
            f"{result.model_id}: no group of near-identical samples among {result.n}",
            ha="center",
            va="center",
            fontsize=10,
        )
        return figure
    axes = figure.subplots(2, shown, squeeze=False)
    for i in range(shown):
        top, bottom = axes[0, i], axes[1, i]
        top.imshow(result.samples[result.medoids[i]], cmap="gray", vmin=0, vmax=1)
        top.set_title(f"{len(result.groups[i])} samples", fontsize=8)
        bottom.imshow(train_images[result.nearest_index[i]], cmap="gray", vmin=0, vmax=255)
        ok = result.nearest_rmse[i] < 0.05
        bottom.set_title(
            f"#{result.nearest_index[i]}\nRMSE {result.nearest_rmse[i]:.3f}",
            fontsize=8,
            color="#1b7f3b" if ok else "#b00020",
        )
        top.axis("off")
        bottom.axis("off")
    figure.suptitle(
        f"{result.model_id}: groups found without the training set (top), then checked against it (bottom)", fontsize=9
    )
    return figure


def placement_figure(placement) -> Figure:
    """Small: the member and non-member score histograms, the 1 % FPR line and this picture's score."""
    p = placement
    everything = np.concatenate([p.members, p.non_members, [p.score]])
    bins = np.geomspace(max(everything.min(), 1e-6) * 0.95, everything.max() * 1.05, 30)
    figure = Figure(figsize=(5.2, 3.0))
    ax = figure.subplots()
    ax.hist(p.non_members, bins=bins, alpha=0.55, color=NON_MEMBER, label="unseen test images")
    ax.hist(p.members, bins=bins, alpha=0.55, color=MEMBER, label="its training images")
    ax.axvline(p.threshold, color="black", linestyle="--", linewidth=1, label="1 % of unseen images below")
    ax.axvline(p.score, color="#1f5fbf", linewidth=3, label="this picture")
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(NullFormatter())  # no crowded minor labels on the log axis
    ax.set_xlabel("denoising loss (log axis); lower = 'member'", fontsize=8)
    ax.set_ylabel("images", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=2, frameon=False)
    figure.tight_layout()
    return figure
