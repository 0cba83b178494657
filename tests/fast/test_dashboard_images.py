"""The shared image pieces (memlab.dashboard.widgets.tiles) on real data: tiles line up, strips say how many
neighbours exist, the verdict panel shows both scales, the baseline sentence and its provenance."""

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("ipywidgets")

from shown_html import shown  # noqa: E402

from memlab import zoo  # noqa: E402
from memlab.dashboard.widgets.tiles import JudgementView, difference_map, png, scaled, tile_html, verdict_html  # noqa: E402
from memlab.judgement import judge  # noqa: E402
from memlab.judging.training_set import whole_split  # noqa: E402


def test_png_is_enlarged_and_difference_map_is_black_where_equal(mnist):
    import io

    picture = Image.open(io.BytesIO(png(mnist.images[0], 100)))
    assert picture.size == (100, 100)
    same = difference_map(mnist.images[0], mnist.images[0] / 255.0)  # uint8 against 0..1: equal
    assert same.shape == (28, 28, 3) and same.max() == 0
    assert difference_map(mnist.images[0], mnist.images[1]).max() > 200


@pytest.mark.parametrize("caption", ["x", "a much longer caption that would wrap over several lines " * 3])
def test_a_tile_has_the_same_size_whatever_its_caption(mnist, caption):
    tile = tile_html(mnist.images[0], caption, "a digit", size=120)
    assert tile.startswith(f"<div class='memlab-tile' style='width:{scaled(128)};")
    assert f"width:{scaled(120)};height:{scaled(120)};image-rendering:pixelated" in tile  # the picture
    assert f"<div style='width:{scaled(120)};height:4.05em;overflow:auto'>" in tile  # the caption's box
    assert tile.replace(f">{caption}</div>", "></div>") == tile_html(mnist.images[0], "", "a digit", size=120)


def test_a_strip_says_when_fewer_neighbours_exist_than_were_asked_for(mnist):
    view = JudgementView("generated", k=5)  # one view, filled twice, as the dashboard does

    (j,) = zoo.open("mnist-diffusion-1").judge(mnist.images[0], k=5, scope="whole set")
    page = shown(view.show(j))
    assert "only 1 exists" in page.heading and len(page.pictures) == 3 + 1
    (j,) = judge(mnist.images[0], whole_split("mnist"), zoo.classifier("mnist"), k=5)
    page = shown(view.show(j))
    result = j.neighbours
    assert "only" not in page.heading and len(page.pictures) == 3 + 5
    assert "0–1 scale · on the article's scale" in view.widget.value
    assert all(f"{r:.4f} · {a:.5f}" in c for c, r, a in zip(page.captions[3:], result.rmse[0], result.rmse_article[0]))
    assert all((p == mnist.images[i]).all() for p, i in zip(page.pictures[3:], result.indices[0]))


def test_every_picture_has_words_for_a_screen_reader_and_html_in_a_caption_is_escaped(mnist):
    (j,) = judge(mnist.images[0], whole_split("mnist"), zoo.classifier("mnist"), k=2)
    page = shown(JudgementView("<b>yours</b>", k=2).show(j))
    assert page.captions[0] == "<b>yours</b>" and all(page.alts)
    assert page.alts[3].startswith("training image number 1 by distance: ")


def test_the_verdict_panel_shows_both_scales_the_baseline_and_what_made_the_image(mnist):
    (j,) = judge(mnist.images[0], whole_split("mnist"), zoo.classifier("mnist"), k=5, scope="whole set")
    text = verdict_html(j, "an unseen test image")
    assert j.verdict in text and f"{j.rmse:.4f}" in text and f"{j.rmse_article:.5f}" in text
    assert j.sentence() in text and "whole set" in text and "Made by: an unseen test image" in text
    assert f"Predicted class: {j.class_name}" in text  # whole-set search names the class too


def test_noise_is_not_called_novel():
    noise = np.random.default_rng(0).random((28, 28))
    (j,) = zoo.open("mnist-diffusion-60000").judge(noise)
    text = verdict_html(j, hint="Try more steps.")
    assert "novel" not in text and "does not look like" in text and "Try more steps." in text
