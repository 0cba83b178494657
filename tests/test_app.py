"""The dashboard's actions, driven without a browser (real models, real data)."""

import io

import pytest
from PIL import Image

from memlab import pipeline
from memlab.app import App

pytest.importorskip("ipywidgets")


@pytest.fixture(scope="module")
def app():
    return App()


def test_every_generator_is_in_the_dropdown_with_its_label(app):
    labels = dict((v, k) for k, v in app.model.options)
    assert labels["mnist-diffusion-1"] == "MNIST-diffusion-oneImage"
    assert labels["mnist-gan-60000-nodropout"] == "MNIST-GAN-noDropout"
    assert "mnist-classifier" not in labels


def test_generate_with_the_one_image_model_shows_a_perfect_copy(app):
    app.model.value, app.seed.value = "mnist-diffusion-1", 0
    app.generate()
    assert app.message.value == "" and app.verdict == "perfect copy"
    assert bytes(app.sample_img.value)[:4] == bytes(app.nearest_img.value)[:4] == b"\x89PNG"
    assert "perfect copy" in app.figures.value and "Natural baseline" in app.figures.value
    assert len(app.neighbours.children) == 1  # the model saw one image
    assert not app.generate_button.disabled


def test_generate_with_a_60000_image_model_shows_five_neighbours(app):
    app.model.value, app.scope.value = "mnist-gan-60000", False
    app.generate()
    assert app.message.value == "" and len(app.neighbours.children) == 5
    assert app.steps.disabled  # a GAN has no sampler steps


def test_chosen_steps_and_sampler_are_used_and_kept_after_generate(app):
    app.model.value = "mnist-diffusion-300"
    assert (app.steps.value, app.sampler.value) == (50, "ddim")   # the model's defaults
    app.seed.value, app.steps.value = 3, 20
    app.generate()
    ddim = bytes(app.sample_img.value)
    assert (app.steps.value, app.sampler.value) == (20, "ddim")   # not reset by the click
    app.sampler.value = "ddpm"
    app.generate()
    assert app.message.value == "" and bytes(app.sample_img.value) != ddim   # same seed, other sampler
    app.sampler.value = "ddim"
    app.generate()
    assert bytes(app.sample_img.value) == ddim                     # same seed, same sampler: same image


def test_a_model_missing_from_the_zoo_says_how_to_train_it(app, tmp_path, monkeypatch):
    monkeypatch.setenv("MEMLAB_WEIGHTS", str(tmp_path))   # an empty weights folder
    app.model.value = "mnist-diffusion-3000"
    app.generate()
    assert "memlab train mnist-diffusion-3000" in app.message.value
    assert "Traceback" not in app.message.value and not app.generate_button.disabled


def test_upload_shows_the_converted_image_and_neighbours(app, mnist):
    picture = Image.fromarray(255 - mnist.images[10]).resize((200, 160))  # dark on light, other size
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="JPEG")
    app.search_upload(buffer.getvalue(), "photo.jpg")
    assert app.message.value == "" and len(app.upload_result.children) == 6


@pytest.mark.parametrize("content, message", [(b"", "is empty"), (b"not an image", "not an image"),
                                              (b"0" * 10_000_001, "the limit is")])
def test_bad_uploads_give_a_message_in_the_app(app, content, message):
    app.search_upload(content, "upload.bin")
    assert message in app.message.value and "Traceback" not in app.message.value


def test_step_through_keeps_every_step(app):
    app.model.value, app.steps.value = "mnist-diffusion-300", 10
    app.step_through()
    assert len(app.frames) == 10 and app.step_slider.max == 9
    app.step_slider.value = 9
    assert "t = 0" in app.step_text.value


def test_same_class_search_falls_back_to_the_whole_subset_when_a_class_is_too_small(mnist):
    subset = pipeline.training_index("mnist", "mnist-diffusion-10")
    image = mnist.images[subset.indices[0]]
    labels, _, result = pipeline.find_nearest(image, "mnist", "mnist-diffusion-10", k=5)
    assert result.indices.shape == (1, 5) and result.indices[0, 0] == subset.indices[0]
