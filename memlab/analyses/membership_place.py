"""One picture placed on a model's membership scores: the dashboard's "Was this picture in its training set?".

``place(MODEL_ID, image)`` scores the picture with the model's denoising loss (``memlab.analyses.membership``) and
places it on the scores of 200 of the model's training images and 200 unseen test images (computed once,
kept on disk and in memory): warm, about one forward pass.
"""

import functools
from dataclasses import dataclass

import numpy as np

from memlab.analyses.membership import TIMESTEP, Membership, denoising_loss, membership, open_model
from memlab.models.registry import get_spec
from memlab.number_format import count, percent

PANEL_IMAGES = 200  # members and non-members behind the dashboard's distributions


@dataclass(frozen=True)
class Placement:
    """One image's plain score placed on a model's member and non-member scores (the dashboard's answer)."""

    model_id: str
    score: float
    members: np.ndarray  # (n,) scores of training images
    non_members: np.ndarray  # (m,) scores of unseen test images
    threshold: float  # the score at most 1 % of unseen images reach (the 1 % FPR line)
    tpr_at_threshold: float  # the share of training images under that line
    auc: float

    @property
    def unseen_lower(self) -> float:
        return float((self.non_members <= self.score).mean())

    @property
    def members_lower(self) -> float:
        return float((self.members <= self.score).mean())

    def sentence(self) -> str:
        spec = get_spec(self.model_id)
        head = (
            f"{spec.label} ({count(spec.train_size)} training images) gives this picture a denoising loss of "
            f"{self.score:.4f}; {percent(self.unseen_lower)} of {len(self.non_members)} unseen test images and "
            f"{percent(self.members_lower)} of {len(self.members)} of its training images score as low or lower."
        )
        if self.score <= self.threshold:
            return (
                head + f" It is below the line only 1 % of unseen images reach: the test says 'in its training "
                f"set' (right for {percent(self.tpr_at_threshold)} of the training images, wrong for 1 % of unseen ones)."
            )
        if self.auc < 0.6:
            return head + (
                f" For this model the test is close to a coin (AUC {self.auc:.2f}): its scores say "
                "nothing about membership."
            )
        return head + (
            " Not low enough to say it was in the training set: too many unseen images score this low "
            f"(the test's AUC for this model is {self.auc:.2f})."
        )


@functools.lru_cache(maxsize=16)
def panel_scores(model_id: str, n: int = PANEL_IMAGES, t: int = TIMESTEP, seed: int = 0) -> Membership:
    """The member and non-member scores the dashboard places an image on (kept on disk and in memory)."""
    return membership(model_id, n, n, t, seed, reference=False, control=False)


def place(model_id: str, image, t: int = TIMESTEP, seed: int = 0) -> Placement:
    """Score ``image`` with ``model_id`` and place it on ``panel_scores``: about one forward pass when warm."""
    result = panel_scores(model_id, PANEL_IMAGES, t, seed)
    members, others = result.scores("members"), result.scores("non_members")
    curve = result.roc()
    threshold = float(np.sort(others)[max(int(0.01 * len(others)), 1) - 1])
    score = float(denoising_loss(open_model(model_id), image, t, seed)[0])
    return Placement(model_id, score, members, others, threshold, float((members <= threshold).mean()), curve.auc)
