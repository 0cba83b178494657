"""Verdicts that misled (issue 37, defect 11): "novel" in green for a picture far from every real image.

Real models and real data: the GAN's seed-0 scribble and a handwritten 7 searched among Fashion-MNIST were
"novel" in green; now they are "novel, but unusual", in grey, with the reason in words. Ordinary samples
and most real unseen images stay plain "novel".
"""

import numpy as np

from memlab import zoo
from memlab.dashboard.widgets.tiles import VERDICT_COLOURS, verdict_html
from memlab.data import datasets as data
from memlab.judgement import UNUSUAL, judge, sample_and_judge
from memlab.judging.training_set import whole_split

GREEN = VERDICT_COLOURS["novel"]


def test_the_gans_seed_0_scribble_is_novel_but_unusual_not_green():
    j = sample_and_judge(zoo.open("mnist-gan-60000"), 0)
    assert j.verdict == "novel" and j.headline == UNUSUAL
    shown = verdict_html(j)
    assert GREEN not in shown and "Not a copy, but not a typical digit either" in shown
    assert "farther from every training image than" in shown and "may not be a digit at all" in shown
    assert "The original demo would say" not in shown  # that paragraph is for "no evidence of copying" only


def test_a_digit_7_searched_among_fashion_mnist_is_flagged():
    test = data.load("mnist", "test")
    sevens = test.images[np.flatnonzero(test.labels == 7)[:5]]
    judgements = judge(sevens, whole_split("fashion"), zoo.classifier("fashion"))
    assert all(j.headline == UNUSUAL for j in judgements), [(j.headline, j.closer_than) for j in judgements]
    assert "not a typical piece of clothing" in verdict_html(judgements[0])


def test_an_ordinary_sample_and_most_real_unseen_digits_stay_plain_novel():
    j = sample_and_judge(zoo.open("mnist-gan-60000"), 2)  # a clear 6, nearer than 60 % of unseen digits
    assert j.headline == "novel" and GREEN in verdict_html(j) and j.unusual_words() == ""
    unseen = data.load("mnist", "test").images[-500:]
    judgements = judge(unseen, whole_split("mnist"), zoo.classifier("mnist"))
    share = np.mean([j.headline == UNUSUAL for j in judgements])
    assert share < 0.12, f"{share:.0%} of real unseen digits called unusual"
