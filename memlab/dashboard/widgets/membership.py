"""The dashboard's "Was this picture in its training set?": pick a diffusion model and a picture (one of its
training images, an unseen test image, or your upload), and see the model's denoising loss for it placed
on the losses of its training images and of unseen images, in one sentence and a small figure.

The computation is ``memlab.analyses.membership.place``; the first look at a model scores 200 + 200 images in the
background (seconds; then kept on disk), every later picture costs one forward pass.
"""

import base64
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
        # The figure is an <img> with its numbers in words as alt text (WCAG 1.1.1; an ipywidgets Image has no
        # alt); hidden while it has no picture. ``figure_png`` keeps the PNG for tests.
        self.message, self.sentence, self.figure = Message(), w.HTML(), w.HTML(layout=w.Layout(display="none"))
        self.figure_png = b""
        self.sentence.add_class("memlab-live")  # the answer is read out when it arrives (WCAG 4.1.3)
        self.tile = w.HTML()
        self.counter, self.uploaded, self.placement, self.warm = 0, None, None, set()
        self.model.observe(lambda _: (self.jobs.invalidate(), self.refresh()), names="value")
        self.source.observe(lambda _: self.refresh(), names="value")
        self.another.on_click(lambda _: self._next())
        self.upload.observe(lambda _: self._on_upload(), names="value")
        inputs = w.VBox(
            [
                w.HTML(
                    "<p>Can a model tell the pictures it was trained on from others? Its error at removing noise "
                    "(the denoising loss) tends to be lower on its own training images. GANs have no such loss: "
                    "they are not listed.</p>"
                ),
                labelled("Model", self.model),
                labelled("Picture", self.source),
                w.HBox([self.another, self.upload]),
                self.message,
            ],
            layout=w.Layout(width="100%"),
        )
        inputs.add_class("memlab-inputs")
        results = w.VBox([self.tile, self.sentence, self.figure])
        results.add_class("memlab-results")
        self.widget = w.Box([inputs, results])
        self.widget.add_class("memlab-columns")
        # nothing is computed until a control moves: building the dashboard must not wait for (or import) PyTorch
        self.sentence.value = (
            "<p class='memlab-help'>Choose a picture on the left, or press <b>Another picture</b>: "
            "the answer appears here.</p>"
        )

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
            self.source.value = "upload"  # its observer scores the upload

    def selection(self) -> tuple:
        """What the controls point at now: (model id, source, counter, upload)."""
        return self.model.value, self.source.value, self.counter, self.uploaded

    def picture(self, selection=None) -> tuple[np.ndarray, str] | None:
        """The picture the controls (or ``selection``) point at, and words for it; None for an upload not
        made yet."""
        from memlab.analyses.membership import open_model, training_rows

        model_id, source, counter, _ = selection or self.selection()
        if source == "upload":
            return self.uploaded and (self.uploaded[0], f"your upload “{html.escape(self.uploaded[1])}”")
        rng = np.random.default_rng(counter)
        if source == "member":
            rows = training_rows(open_model(model_id))
            row = int(rows[rng.integers(len(rows))])
            return data.load("mnist", "train").images[row], f"training image #{row} of {model_id}"
        test = data.load("mnist", "test").images
        row = int(rng.integers(len(test)))
        return test[row], f"unseen test image #{row}"

    def refresh(self):
        """Score the current picture (the first time for a model: in the background). A click while a
        picture is being scored needs no second job: the running one scores what the controls show when it
        ends (``_score``)."""
        self.message.clear()
        self.jobs.start("scoring", lambda generation: self._score())

    def _score(self):
        """Score what the controls show, again and again until what was scored is still what they show.

        The controls move while a picture is scored (a model's first look takes seconds): shown without this
        check, "training image #36044" sat beside "an unseen test image" (issue 37, defect 10)."""
        while True:
            wanted = self.selection()
            answer = self._score_one(wanted)
            if self.selection() != wanted:
                continue  # the learner chose something else meanwhile: score that instead
            if answer is not None:
                self._draw(wanted, *answer)
            return

    def _score_one(self, wanted):
        """(image, words, placement) for the selection ``wanted``; None (and a message) when there is none."""
        from memlab.analyses.membership_place import place

        model_id = wanted[0]
        try:
            chosen = self.picture(wanted)
            if chosen is None:
                self.tile.value, self.sentence.value, self.figure.value = "", "", ""
                self.figure.layout.display = "none"
                self.message.show("Upload a picture (PNG or JPEG) to score it.")
                return None
            image, words = chosen
            if model_id not in self.warm:
                self.message.show(
                    f"Scoring 200 training and 200 unseen images with {model_id} (the first time for a "
                    "model: a few seconds)…"
                )
            placement = place(model_id, image)
            self.warm.add(model_id)
        except Exception as err:  # a message beside the controls, never a traceback
            self.message.show(str(err), error=True)
            return None
        return image, words, placement

    def _draw(self, wanted, image, words, placement):
        from memlab.analyses.membership_plots import placement_figure

        self.figure_png = figure_png(placement_figure(placement), dpi=90)
        self.placement = placement
        self.message.clear()
        self.tile.value = tile_html(image, words, f"the picture placed: {html.unescape(words)}")
        sentence = placement.sentence() + self._known_answer(wanted[1], placement)
        alt = (
            "Histogram of the denoising loss of 200 training images and 200 unseen images, with this "
            f"picture's loss marked. {sentence}"
        )
        encoded = base64.b64encode(self.figure_png).decode()
        self.figure.value = (
            f"<img src='data:image/png;base64,{encoded}' alt='{html.escape(alt)}' "
            "style='max-width:min(100%, 560px);height:auto'>"
        )
        self.figure.layout.display = ""
        self.sentence.value = f"<p>{html.escape(sentence, quote=False)}</p>"  # last: the answer is whole

    @staticmethod
    def _known_answer(source: str, placement) -> str:
        """What the panel knows and the test does not: whether the picture really was a training image."""
        flagged = placement.score <= placement.threshold
        if source == "unseen" and flagged:
            return (
                " Here the test is wrong: this picture is an unseen test image, never in the training set "
                "(a false alarm, as for 1 % of unseen images)."
            )
        if source == "member" and not flagged:
            return " Here the test misses: this picture was one of its training images."
        return ""
