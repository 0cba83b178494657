"""Checks for lesson 04 (nearest-neighbour search). Each returns a ``Feedback`` with a hint (``@check``)."""

import numpy as np

from memlab.data import datasets as data
from memlab.data.pixels import as_unit_images
from memlab.judging import metrics
from memlab.teaching.exercises import check, feedback
from memlab.teaching.exercises.answers import as_number


def _whole_number(answer, what: str):
    """The answer as an int, or a ``Feedback`` saying why it is not one."""
    value = as_number(answer)
    if not isinstance(value, float):
        return value
    if value != int(value) or value < 0:
        return feedback(False, "", f"Give {what} as a whole number, 0 or more.")
    return int(value)


@check
def check_nearest_index(answer, query, seen, scored=None):
    """Exercise 1: the dataset index of the training image in ``seen`` (dataset indices of the images a
    model was trained on) that is nearest to ``query`` by RMSE, found by brute force.

    ``scored``: the student's distances, one per image they compared. A search of all 60 000 training
    images often finds the same image (a copy's nearest is among those the model saw), so only the number
    of distances tells that the search covered exactly the images the model saw."""
    value = _whole_number(answer, "the training image's dataset index")
    if not isinstance(value, int):
        return value
    seen = np.asarray(seen)
    train = data.load("mnist", "train").images
    n_scored = None if scored is None or scored is Ellipsis else int(np.size(scored))
    if n_scored is not None and n_scored != len(seen):
        what = f"all {len(train):,} training images" if n_scored == len(train) else f"{n_scored:,} images"
        return feedback(
            False,
            "",
            f"You scored {what}; the model saw {len(seen)}. The question is about the images it saw: "
            "one distance for each of them, no more.",
        )
    distances = metrics.rmse(as_unit_images(query, "query"), train[seen])  # (len(seen),), 0-1 scale
    order = np.argsort(distances, kind="stable")
    best = int(seen[order[0]])
    if value == best:
        scope = (
            f"You scored all {len(seen)} images the model saw: that is an exhaustive search, the kind memlab runs."
            if n_scored == len(seen)
            else f"It is the nearest of the {len(seen)} images the model saw."
        )
        return feedback(
            True,
            f"#{best} at RMSE {distances[order[0]]:.4f} (0-1 scale), "
            f"{metrics.to_article(distances[order[0]]):.5f} on the article's scale. {scope}",
            "",
        )
    if value == int(order[0]):
        return feedback(
            False,
            "",
            f"{value} is the nearest image's position in `seen`, not its dataset index: `seen` says which dataset "
            "image stands at each position.",
        )
    if value == int(seen[order[-1]]) or value == int(order[-1]):
        return feedback(False, "", "That is the farthest image: the nearest one has the smallest distance.")
    if value in seen:
        rank = int(np.flatnonzero(seen[order] == value)[0]) + 1
        return feedback(
            False,
            "",
            f"#{value} ranks {rank} of {len(seen)} by distance, not 1: some image the model saw is closer. "
            "Did you score every one of them, and keep the smallest distance?",
        )
    return feedback(
        False,
        "",
        f"#{value} is not among the {len(seen)} images the model saw. Did you search only those, and turn "
        "the position you found into a dataset index?",
    )


@check
def check_closer_in_whole_set(answer, samples, model):
    """Exercise 2: the number of a sample whose nearest training image is closer in the whole set than in
    the class the classifier predicts (the same-class search missed it)."""
    value = _whole_number(answer, "the sample's number")
    if not isinstance(value, int):
        return value
    if value >= len(samples):
        return feedback(False, "", f"There are only {len(samples)} samples, numbered 0 to {len(samples) - 1}.")
    (same,) = model.judge(samples[value], k=1, scope="same class")
    (whole,) = model.judge(samples[value], k=1, scope="whole set")
    if whole.rmse < same.rmse - 1e-12:
        its_class = data.DATASETS[whole.dataset][1][whole.neighbours.labels[0, 0]]
        return feedback(
            True,
            f"Sample {value}: the classifier says {same.class_name}, and the nearest image of "
            f"that class is at {same.rmse_article:.5f}; the whole set has #{whole.nearest_index} "
            f"(class {its_class}) at {whole.rmse_article:.5f}. A same-class search can only be "
            "as good as the classifier's guess.",
            "",
        )
    hint = (
        f"For sample {value} both searches find the same nearest image. Compare same_result.rmse[:, 0] with "
        "whole_result.rmse[:, 0] for every sample, or move the widget's slider with 'whole set' selected."
    )
    # how many qualify (never which): a search of both scopes for every sample
    same_all = model.judge(samples, k=1, scope="same class")
    whole_all = model.judge(samples, k=1, scope="whole set")
    qualify = sum(w.rmse < s.rmse - 1e-12 for s, w in zip(same_all, whole_all))
    if not qualify:
        hint += " (Among these samples there is none: draw more samples and try again.)"
    elif len(samples) > 8:
        hint += f" ({qualify} of the {len(samples)} samples qualify.)"
    return feedback(False, "", hint)
