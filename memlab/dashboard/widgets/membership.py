"""The dashboard's "Was this picture in its training set?": pick a diffusion model and a picture (one of its
training images, an unseen test image, or your upload), and see the model's denoising loss for it placed
on the losses of its training images and of unseen images, in one sentence and a small figure.

The computation is ``memlab.analyses.membership.place``; the first look at a model scores 200 + 200 images in the
background (seconds; then kept on disk), every later picture costs one forward pass.
"""

import html

import ipywidgets as w
import numpy as np

from memlab import zoo
from memlab.dashboard.widgets.controls import Message, labelled, model_label, upload_button, uploaded_file
from memlab.dashboard.widgets.jobs import Jobs
from memlab.dashboard.widgets.lesson_figure import figure_png
from memlab.dashboard.widgets.tiles import tile_html
from memlab.data import datasets as data
from memlab.data.image_files import image_from_bytes
from memlab.models.registry import MODELS

SOURCES = [("one of its training images", "member"), ("an unseen test image", "unseen"), ("your upload", "upload")]
MODELS_WITH_A_LOSS = [m for m, s in MODELS.items() if s.kind == "diffusion" and s.dataset == "mnist"]


class MembershipPanel:
    """``MembershipPanel().widget`` is the section; ``show(model_id, source, image=None)`` what a click calls.

    Args:
        background: compute a model's distributions in a background thread (tests pass False).
        default: the model chosen at first. Nothing is computed until ``refresh()`` (any control calls it).
    """

    def __init__(self, background: bool = True, default="mnist-diffusion-3000"):
        self.jobs = Jobs(background)
        self.model = w.Dropdown(options=[(model_label(zoo.open(m)), m) for m in MODELS_WITH_A_LOSS], value=default)
        self.source = w.ToggleButtons(options=SOURCES, value="member")
        self.another = w.Button(description="Another picture", tooltip="Draw another image from the same set")
        self.upload = upload_button()
        self.message, self.sentence, self.figure = Message(), w.HTML(), w.Image(format="png")
        # hidden while it has no picture: an empty image is drawn as a broken-image icon
        self.figure.layout = w.Layout(max_width="min(100%, 560px)", height="auto", display="none")
        self.tile = w.HTML()
        self.counter, self.uploaded, self.placement, self.warm = 0, None, None, set()
        self.model.observe(lambda _: (self.jobs.invalidate(), self.refresh()), names="value")
        self.source.observe(lambda _: self.refresh(), names="value")
        self.another.on_click(lambda _: self._next())
        self.upload.observe(lambda _: self._on_upload(), names="value")
        inputs = w.VBox([
            w.HTML("<p>Can a model tell the pictures it was trained on from others? Its error at removing noise "
                   "(the denoising loss) tends to be lower on its own training images. GANs have no such loss: "
                   "they are not listed.</p>"),
            labelled("Model", self.model), labelled("Picture", self.source), w.HBox([self.another, self.upload]),
            self.message], layout=w.Layout(width="100%"))
        inputs.add_class("memlab-inputs")
        results = w.VBox([self.tile, self.sentence, self.figure])
        results.add_class("memlab-results")
        self.widget = w.Box([inputs, results])
        self.widget.add_class("memlab-columns")
        # nothing is computed until a control moves: building the dashboard must not wait for (or import) PyTorch
        self.sentence.value = ("<p class='memlab-help'>Choose a picture on the left, or press <b>Another picture</b>: "
                               "the answer appears here.</p>")

    def _next(self):
        self.counter += 1
        self.refresh()

    def _on_upload(self):
        files = self.upload.value
        if not files:
            return
        self.upload.value = ()
        try:
            content, name = uploaded_file(files)
            self.uploaded = (image_from_bytes(content, name), name)
        except ValueError as err:
            self.message.show(str(err), error=True)
            return
        if self.source.value == "upload":
            self.refresh()
        else:
            self.source.value = "upload"   # its observer scores the upload

    def picture(self) -> tuple[np.ndarray, str] | None:
        """The picture the controls point at, and words for it; None for an upload not made yet."""
        from memlab.analyses.membership import open_model, training_rows

        model_id, source = self.model.value, self.source.value
        if source == "upload":
            return self.uploaded and (self.uploaded[0], f"your upload “{html.escape(self.uploaded[1])}”")
        rng = np.random.default_rng(self.counter)
        if source == "member":
            rows = training_rows(open_model(model_id))
            row = int(rows[rng.integers(len(rows))])
            return data.load("mnist", "train").images[row], f"training image #{row} of {model_id}"
        test = data.load("mnist", "test").images
        row = int(rng.integers(len(test)))
        return test[row], f"unseen test image #{row}"

    def refresh(self):
        """Score the current picture (the first time for a model: in the background)."""
        model_id = self.model.value
        self.message.clear()
        if not self.jobs.start("scoring", lambda generation: self._score(model_id, generation)):
            self.message.show(f"Still {self.jobs.what}; try again in a moment.")

    def _score(self, model_id, generation):
        from memlab.analyses.membership_place import place

        try:
            chosen = self.picture()
            if chosen is None:
                self.tile.value, self.sentence.value, self.figure.value = "", "", b""
                self.figure.layout.display = "none"
                self.message.show("Upload a picture (PNG or JPEG) to score it.")
                return
            image, words = chosen
            if model_id not in self.warm:
                self.message.show(f"Scoring 200 training and 200 unseen images with {model_id} (the first time for a "
                                  "model: a few seconds)…")
            placement = place(model_id, image)
            self.warm.add(model_id)
        except Exception as err:   # a message beside the controls, never a traceback
            self.message.show(str(err), error=True)
            return
        if not self.jobs.current(generation) or model_id != self.model.value:
            return
        from memlab.analyses.membership_plots import placement_figure

        picture = figure_png(placement_figure(placement), dpi=90)
        self.placement = placement
        self.message.clear()
        self.tile.value = tile_html(image, words, f"the picture placed: {html.unescape(words)}")
        self.figure.value = picture
        self.figure.layout.display = ""
        self.sentence.value = f"<p>{html.escape(placement.sentence(), quote=False)}</p>"   # last: the answer is whole
