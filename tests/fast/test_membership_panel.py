"""The dashboard's "Was this picture in its training set?" panel, without a browser, on the real models."""

import datetime
import io
import time

import numpy as np
from PIL import Image

from memlab.analyses.membership_place import place
from memlab.dashboard.widgets.membership import MembershipPanel


def test_panel_places_a_training_image_of_the_100_image_model_as_a_member():
    panel = MembershipPanel(background=False, default="mnist-diffusion-100")
    assert panel.placement is None and "Choose a picture" in panel.sentence.value  # nothing computed yet
    assert panel.figure.layout.display == "none"  # no empty image (a browser draws it as a broken icon)
    panel.refresh()
    assert panel.figure.layout.display != "none"
    assert panel.placement is not None and "training image #" in panel.tile.value
    p = panel.placement
    assert p.score <= p.threshold and "the test says 'in its training set'" in panel.sentence.value
    assert panel.figure_png[:4] == b"\x89PNG"
    assert "alt='Histogram of the denoising loss" in panel.figure.value  # the figure's numbers in words
    panel.source.value = "unseen"
    assert panel.placement.score > panel.placement.threshold and "Not low enough" in panel.sentence.value


def test_panel_on_the_60000_image_model_says_coin():
    panel = MembershipPanel(background=False, default="mnist-diffusion-60000")
    panel.another.click()
    assert "close to a coin" in panel.sentence.value or "'in its training set'" in panel.sentence.value
    assert panel.placement.auc < 0.6


def test_upload_and_bad_upload():
    panel = MembershipPanel(background=False, default="mnist-diffusion-100")
    panel.source.value = "upload"
    assert "Upload a picture" in panel.message.value
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((40, 40), np.uint8)).save(buffer, format="PNG")
    panel.upload.value = (
        {
            "name": "black.png",
            "content": buffer.getvalue(),
            "type": "image/png",
            "size": 10,
            "last_modified": datetime.datetime.now(),
        },
    )
    assert "black.png" in panel.tile.value and panel.placement is not None
    panel.upload.value = (
        {
            "name": "bad.png",
            "content": b"not a picture",
            "type": "image/png",
            "size": 13,
            "last_modified": datetime.datetime.now(),
        },
    )
    assert "memlab-message-error" in panel.message.value


def test_warm_placement_takes_under_a_second():
    from memlab.data import datasets as data

    image = data.load("mnist", "test").images[7]
    place("mnist-diffusion-3000", image)  # warm: scores computed (or loaded) and the model loaded
    seconds = []
    for _ in range(5):  # the best of five: the machine is shared
        start = time.perf_counter()
        place("mnist-diffusion-3000", image)
        seconds.append(time.perf_counter() - start)
    assert min(seconds) < 1.0, seconds
