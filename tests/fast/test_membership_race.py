"""Issue 37, defect 10: the membership panel must show the picture its controls point at.

Found on a walk: choose a model, then within ~0.3 s click "an unseen test image": once in two tries the
panel showed "training image #36044" while "an unseen test image" was selected. Here the scoring is made
slow on purpose (0.6 s more per picture) and the click comes while the first picture is being scored, in
a real background thread as on the page."""

import time

from memlab.analyses import membership_place
from memlab.dashboard.widgets.membership import MembershipPanel


def test_a_click_while_scoring_shows_the_picture_clicked(monkeypatch):
    real_place = membership_place.place

    def slow_place(model_id, image, *args, **kwargs):
        time.sleep(0.6)
        return real_place(model_id, image, *args, **kwargs)

    monkeypatch.setattr(membership_place, "place", slow_place)
    panel = MembershipPanel(background=True, default="mnist-diffusion-100")
    panel.refresh()  # scores one of its training images, in the background
    time.sleep(0.2)
    panel.source.value = "unseen"  # the learner's second click, while the first is being scored
    deadline = time.time() + 60
    while (panel.jobs.busy or not panel.sentence.value.startswith("<p>MNIST")) and time.time() < deadline:
        time.sleep(0.1)
    assert panel.source.value == "unseen"
    assert "unseen test image #" in panel.tile.value and "training image #" not in panel.tile.value, panel.tile.value


def test_the_panel_says_when_the_test_is_wrong_about_an_unseen_picture():
    """Defect 11: the one-image model's unseen test image #8506 was told "in its training set" with no word
    that the panel knows the picture is unseen."""
    from memlab.data import datasets as data

    image = data.load("mnist", "test").images[8506]
    placement = membership_place.place("mnist-diffusion-1", image)
    assert placement.score <= placement.threshold  # the false alarm seen on the walk
    panel = MembershipPanel(background=False, default="mnist-diffusion-1")
    panel._draw(("mnist-diffusion-1", "unseen", 0, None), image, "unseen test image #8506", placement)
    assert "the test says 'in its training set'" in panel.sentence.value
    assert "Here the test is wrong: this picture is an unseen test image" in panel.sentence.value
