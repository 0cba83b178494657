"""The dashboard's actions, driven without a browser (real models, real data)."""

import io
import threading
import time

import numpy as np
import pytest
from PIL import Image
from shown_html import shown

from memlab.dashboard.app import App
from memlab.dashboard.widgets.controls import parse_seed

pytest.importorskip("ipywidgets")


@pytest.fixture
def app():
    """A new dashboard for each test, so that no test depends on what an earlier one left on screen
    (the models, indexes and baselines behind it are cached, so this is cheap)."""
    app = App(background=False, warm=False)
    yield app
    app.jobs.invalidate()


def test_every_generator_is_in_the_dropdown_with_its_label_and_size(app):
    labels = dict((v, k) for k, v in app.model.options)
    assert labels["mnist-diffusion-1"] == "MNIST-diffusion-oneImage (1 image)"
    assert labels["mnist-diffusion-60000"] == "MNIST-diffusion (60\u00a0000 images)"
    assert labels["mnist-diffusion-10"].startswith("extra: ")
    ids = [v for _, v in app.model.options]
    assert ids.index("fashion-diffusion-60000") < ids.index("mnist-diffusion-10")  # the demo's eight first
    assert "mnist-classifier" not in labels


def test_generate_with_the_one_image_model_shows_a_perfect_copy_and_what_made_it(app):
    app.model.value, app.seed.value = "mnist-diffusion-1", "0"
    app.generate()
    assert app.verdict == "perfect copy" and "Could not" not in app.message.value
    page = shown(app.view)
    image, nearest, difference, neighbour = page.pictures  # the model saw one image: one neighbour
    assert image.shape == nearest.shape == (28, 28) and difference.shape == (28, 28, 3)
    assert (image == np.round(app.judgement.image * 255)).all() and (nearest == neighbour).all()
    assert page.alts[1] == f"the nearest training image, index {app.judgement.nearest_index}"
    title = app.result_title.value
    assert all(t in title for t in ("MNIST-diffusion-oneImage", "DDIM sampler, 50 steps", "seed 0", "same class"))
    assert "perfect copy" in page.verdict and "real unseen digits" in page.verdict
    assert "seed 0" not in page.verdict  # said once, in the title above, not again in the panel
    assert "only 1 exists" in page.heading


def test_a_60000_image_model_shows_five_neighbours_and_hides_the_steps(app):
    app.model.value = "mnist-gan-60000"
    app.generate()
    assert len(shown(app.view).pictures) == 3 + 5
    assert app.diffusion_settings.layout.display == "none" and "GAN (one pass" in app.result_title.value


def test_a_result_shown_again_creates_no_widget(app):
    """Each new widget costs the browser a model and a view (a click used to create 66), and each changed
    value a message: a result changes the one HTML widget of the result (and the title above it)."""
    from ipywidgets.widgets import widget

    def count():
        return len(widget._instances)

    assert app.view.widget.value == ""  # nothing of the result before a result
    app.model.value = "mnist-gan-60000"
    before = count()
    app.generate()
    first = shown(app.view).pictures[0]
    assert count() == before
    app.seed.value = "1"
    app.generate()
    assert count() == before and (shown(app.view).pictures[0] != first).any()
    app.generate()  # the same settings again: the same image, a new title
    assert "data-result='3'" in app.result_title.value and count() == before


def test_chosen_steps_and_sampler_are_used_and_kept_after_generate(app):
    app.model.value = "mnist-diffusion-300"
    assert (app.steps.value, app.sampler.value) == (50, "ddim")  # the model's defaults
    app.seed.value, app.steps.value = "3", 20
    app.generate()
    ddim = shown(app.view).pictures[0]
    assert (app.steps.value, app.sampler.value) == (20, "ddim")  # not reset by the click
    app.sampler.value = "ddpm"
    assert "memlab-stale" in app.result._dom_classes  # greyed: settings changed
    app.generate()
    assert (shown(app.view).pictures[0] != ddim).any() and "memlab-stale" not in app.result._dom_classes
    app.sampler.value = "ddim"
    app.generate()
    assert (shown(app.view).pictures[0] == ddim).all()  # same seed, same sampler: same image


def test_changing_the_model_clears_the_result_and_a_late_result_is_not_shown():
    app = App(background=True, warm=False)
    app.model.value, app.steps.value, app.sampler.value = "mnist-diffusion-300", 250, "ddpm"
    app.generate()
    assert app.jobs.busy
    app.generate()
    assert "Still working on" in app.message.value  # a second click is refused politely
    deadline = time.perf_counter() + 120
    while "of 250 steps" not in app.message.value and time.perf_counter() < deadline:
        time.sleep(0.2)
    assert "of 250 steps" in app.message.value, app.message.value  # progress, not just "Working…"
    app.model.value = "mnist-gan-60000"  # while the first still runs
    assert app.result.layout.display == "none"
    changed = time.perf_counter()
    app.jobs.wait(60)  # the abandoned run stops between two steps
    assert not app.jobs.busy and time.perf_counter() - changed < 30, "a new choice waited for the old run"
    assert app.shown is None and app.result.layout.display == "none" and app.message.value == ""
    app.generate()  # the GAN is not refused
    app.jobs.wait(120)
    assert app.shown is not None and app.shown.model_id == "mnist-gan-60000"


@pytest.mark.parametrize(
    "text, message",
    [("1.5", "not a whole number"), ("-3", "between 0 and"), ("", "Type a seed"), ("seven", "not a whole number")],
)
def test_a_seed_that_is_not_a_whole_number_in_range_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_seed(text)
    assert parse_seed(" 42 ") == 42


def test_a_model_missing_from_the_zoo_says_how_to_train_it(app, tmp_path, monkeypatch):
    monkeypatch.setenv("MEMLAB_WEIGHTS", str(tmp_path))  # an empty weights folder
    app.model.value = "mnist-diffusion-3000"
    app.generate()
    assert "memlab train mnist-diffusion-3000" in app.message.value and "Traceback" not in app.message.value


def test_upload_shows_the_converted_image_neighbours_and_the_baseline(app, mnist):
    picture = Image.fromarray(255 - mnist.images[10]).resize((200, 160))  # dark on light, other size
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="JPEG")
    app.upload.search(buffer.getvalue(), "photo.jpg")
    assert app.upload.message.value == ""
    view = app.upload.view
    assert app.upload.result.layout.display == ""
    page = shown(view)
    assert "real unseen digits" in page.verdict and len(page.pictures) == 3 + 5
    assert page.alts[0] == "the image judged: your image, as the search sees it (28 × 28 grey)"
    app.upload.dataset.value = "fashion"  # searched again, among Fashion-MNIST
    assert "Fashion-MNIST" in shown(view).verdict


@pytest.mark.parametrize(
    "content, message", [(b"", "is empty"), (b"not an image", "not an image"), (b"0" * 10_000_001, "the limit is")]
)
def test_bad_uploads_give_a_message_next_to_the_upload(app, content, message):
    app.upload.search(content, "upload.bin")
    assert message in app.upload.message.value and "Traceback" not in app.upload.message.value
    assert app.upload.result.layout.display == "none"  # no earlier result beside the message
    assert "BytesIO" not in app.upload.message.value


def test_step_through_keeps_every_step_with_the_generate_scope(app):
    app.model.value, app.steps.value, app.scope.value = "mnist-diffusion-300", 10, "whole set"
    app.step_through.run()
    panel = app.step_through
    assert len(panel.frames) == 10 and panel.slider.max == 10 and panel.slider.value == 10
    assert all(j.scope == "whole set" for _, _, _, j, _ in panel.frames)
    panel.slider.value = 1
    assert "Step 1 of 10" in panel.explain.value and "t = " in panel.explain.value


def test_jobs_run_one_at_a_time():
    from memlab.dashboard.widgets.jobs import Jobs

    jobs, release = Jobs(background=True), threading.Event()
    assert jobs.start("first", lambda generation: release.wait(10))
    assert not jobs.start("second", lambda generation: None) and jobs.what == "first"
    release.set()
    jobs.wait(10)
    assert not jobs.busy and jobs.start("third", lambda generation: None)


def test_the_dashboard_kernel_never_imports_pytorch():
    """A fresh interpreter, as in a new Voila kernel running notebooks/dashboard.ipynb: the controls draw
    at once, the warm-up and a Generate pressed at once (and one per kind of model) run on ONNX Runtime,
    and PyTorch is never imported (it would cost ~500 MB and seconds per visitor)."""
    import subprocess
    import sys

    from memlab.models.onnx_export import export

    for model_id in (
        "mnist-diffusion-1",
        "mnist-gan-60000",
        "fashion-diffusion-60000",
        "mnist-classifier",
        "fashion-classifier",
    ):
        export(model_id)  # what `memlab prepare` does before a dashboard serves (here, in the cache)
    script = """
import sys, traceback
class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch":
            traceback.print_stack(file=sys.stderr)
        return None
sys.meta_path.insert(0, Watch())
from memlab.dashboard.app import App
from memlab.dashboard.widgets.warm import Warmer
# ONNX Runtime, as notebooks/dashboard.ipynb's App(engine="onnx"): what its cell builds, before its warm-up starts
app = App(engine="onnx", background=False, warm=False)
app.warmer = Warmer([app.model.value], "onnx").start()   # as App(engine="onnx") does when warm=True
app.generate()                             # at once, while the warm-up is still importing
app.warmer.wait(120)
print("verdict:", app.verdict)
for model_id in ("mnist-gan-60000", "fashion-diffusion-60000"):
    app.model.value = model_id
    if "steps" in app.request().model.options:
        app.steps.value = 5
    app.generate()
    print(model_id, "answered:", app.judgement is not None, app.message.value)
app.step_through.run()
print("steps kept:", len(app.step_through.frames))
print("torch imported:", "torch" in sys.modules)
"""
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.splitlines()
    assert "verdict: perfect copy" in lines  # the default model is the one-image model
    # each answered, and its message (the live region) says the verdict, with no error (issue 37)
    for model_id in ("mnist-gan-60000", "fashion-diffusion-60000"):
        answer = next(line for line in lines if line.startswith(f"{model_id} answered:"))
        assert answer.startswith(f"{model_id} answered: True <div class='memlab-message'>Done in "), answer
        assert "Verdict: " in answer and "Could not" not in answer, answer
    assert "steps kept: 5" in lines
    assert "torch imported: False" in lines, run.stderr[-3000:]
