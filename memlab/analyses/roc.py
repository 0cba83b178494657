"""ROC curves for "lower score = member" attacks: AUC, and the true positive rate at a low false positive rate.

An attack calls an image a member when its score is at most a threshold. Sweeping the threshold over
every score gives the ROC curve: the share of members caught (TPR) against the share of non-members
wrongly caught (FPR). Two summaries:

* **AUC**, the area under it: the chance that a random member scores lower than a random non-member
  (0.5 = a coin, 1 = always);
* **TPR at 1 % (and 0.1 %) FPR**: how many members the attack catches while almost never accusing a
  non-member. Carlini et al. 2022 ("Membership Inference Attacks From First Principles") argue this is
  the figure that matters: an attack with AUC 0.7 may still catch no member with confidence.
  With N non-members, FPR can only be measured down to 1/N (0.1 % needs 1 000).
"""

from dataclasses import dataclass

import numpy as np

LOW_FPRS = (0.01, 0.001)


@dataclass(frozen=True)
class Roc:
    fpr: np.ndarray  # (K,) from 0 to 1, non-decreasing
    tpr: np.ndarray  # (K,)
    thresholds: np.ndarray  # (K,) "member when score <= threshold" (-inf for the (0, 0) point)
    auc: float
    n_members: int
    n_non_members: int

    def tpr_at(self, fpr: float) -> float:
        """The highest TPR among thresholds whose FPR is at most ``fpr``."""
        return float(self.tpr[self.fpr <= fpr + 1e-12].max())

    def figures(self) -> dict:
        return {
            "auc": self.auc,
            **{f"tpr_at_{f:g}_fpr": self.tpr_at(f) for f in LOW_FPRS},
            "lowest_measurable_fpr": 1 / self.n_non_members,
        }


def auc(member_scores, non_member_scores) -> float:
    """P(member score < non-member score) + 0.5 P(equal): the area under the ROC curve (trapezoids)."""
    return roc(member_scores, non_member_scores).auc


def roc(member_scores, non_member_scores) -> Roc:
    """The ROC curve of "member when score <= threshold" over every distinct score."""
    members, others = np.asarray(member_scores, float), np.asarray(non_member_scores, float)
    if len(members) == 0 or len(others) == 0:
        raise ValueError("A ROC curve needs at least one member and one non-member score.")
    thresholds = np.unique(np.concatenate([members, others]))
    tpr = np.searchsorted(np.sort(members), thresholds, side="right") / len(members)
    fpr = np.searchsorted(np.sort(others), thresholds, side="right") / len(others)
    fpr, tpr = np.r_[0.0, fpr], np.r_[0.0, tpr]
    area = float(((fpr[1:] - fpr[:-1]) * (tpr[1:] + tpr[:-1]) / 2).sum())
    return Roc(fpr, tpr, np.r_[-np.inf, thresholds], area, len(members), len(others))


def bootstrap(member_scores, non_member_scores, reps: int = 200, seed: int = 0) -> dict:
    """95 % percentile intervals of AUC and TPR at 1 % FPR over ``reps`` resamples (seeded) of both sets."""
    members, others = np.asarray(member_scores, float), np.asarray(non_member_scores, float)
    rng = np.random.default_rng(seed)
    aucs, tprs = [], []
    for _ in range(reps):
        r = roc(rng.choice(members, len(members)), rng.choice(others, len(others)))
        aucs.append(r.auc)
        tprs.append(r.tpr_at(0.01))
    interval = lambda v: [float(np.quantile(v, 0.025)), float(np.quantile(v, 0.975))]  # noqa: E731
    return {"auc": interval(aucs), "tpr_at_0.01_fpr": interval(tprs), "reps": reps}
