"""Your own image, memorized in about two minutes: draw or upload a picture, train a model on it, get it back.

    panel = OwnImagePanel()       # OwnImagePanel(steps=300, sample_steps=20) shortens it for tests
    panel                         # a notebook displays it (a static view shows what it does, in words)
    panel.widget                  # the widget itself, which the dashboard places in its page

Inputs on the left (the drawing pad, Undo / Clear / Upload, the picture as the model sees it, Train and
Cancel with a progress bar), results on the right (a grid of samples, each with its distance to your
picture on both scales and its verdict, and the same picture searched among 60 000 training images);
stacked on a phone. The computation lives in ``memlab.teaching.own_image``; each button calls a plain method
(``train``, ``cancel``, ``upload``, ``undo``, ``clear``) that a test can call without a browser.
"""

import html
import math

import ipywidgets as w
import numpy as np
from ipycanvas import Canvas, hold_canvas

from memlab.dashboard.widgets.controls import upload_button, uploaded_file
from memlab.dashboard.widgets.tiles import VERDICT_COLOURS, distance_text, png
from memlab.data.image_files import image_from_bytes
from memlab.data.pixels import SIZE
from memlab.errors import MemlabError
from memlab.number_format import count
from memlab.teaching.own_image import BRUSH, PAD, TRAINING_WORDS, Drawing, OwnImageRun, TrainingCancelled

# Named, not linked: the public dashboard serves no notebook but itself (a link there answered 403),
# and in JupyterLab this panel already sits inside lesson 06.
LESSON = "lesson 06, “Copies, copyright and evidence”"
TILE = 112
# Pen moves closer than this (pad pixels) to the last point are skipped: a pad pixel is a tenth of a
# picture pixel, and a mouse reports every pixel it crosses, so most moves would change nothing.
MIN_STEP = 3


def _tile(image, caption: str, size: int = TILE) -> w.VBox:
    """A picture above a caption of any length (the caption grows; nothing is cut off)."""
    picture = w.Image(value=png(image, size), format="png", layout=w.Layout(width=f"{size}px", height=f"{size}px"))
    text = w.HTML(f"<div style='line-height:1.3;font-size:0.9em'>{caption}</div>", layout=w.Layout(width=f"{size}px"))
    tile = w.VBox([picture, text], layout=w.Layout(width=f"{size + 8}px", margin="0 4px 8px 0"))
    tile.add_class("memlab-own-tile")
    return tile


def _message(text: str, error: bool = False) -> str:
    colour = "#b00020" if error else "#333333"
    return f"<p style='color:{colour}'>{html.escape(text)}</p>"


class OwnImagePanel:
    """The "your own image" section. Arguments go to ``memlab.teaching.own_image.OwnImageRun``."""

    def __init__(self, dataset="mnist", steps=None, sample_steps=None, seeds=range(8)):
        self.run = OwnImageRun(dataset, steps, sample_steps, seeds)
        self.drawing, self.result = Drawing(), None
        self._create_pad()
        self._create_training()
        self.samples = w.Box(layout=w.Layout(display="flex", flex_flow="row wrap"))
        self.comparison = w.VBox()
        inputs = w.VBox(
            [self.pad, self.pad_buttons, self.preview, self.train_buttons, self.progress, self.status, self.message],
            layout=w.Layout(max_width="100%", margin="0 24px 0 0"),
        )
        inputs.add_class("memlab-own-inputs")  # its width: memlab.dashboard.widgets.style
        outputs = w.VBox([self.samples, self.comparison], layout=w.Layout(flex="1 1 300px", min_width="0"))
        steps = self.run.spec.train.steps
        self.widget = w.VBox(
            [
                w.HTML(
                    "<p>Draw a digit or a sketch (or upload a picture), press <b>Train</b>: memlab trains a "
                    f"diffusion model on your picture alone ({count(steps)} steps of the one-image recipe, on "
                    f"this computer's CPU: {TRAINING_WORDS}), then asks it for new images. Your picture stays in "
                    "your session and is deleted with it.</p>"
                ),
                w.Box([inputs, outputs], layout=w.Layout(display="flex", flex_flow="row wrap")),
            ]
        )
        self.widget.add_class("memlab-own-image")

    STATIC = (
        "Your own image: draw a digit or upload a picture, press Train, and a diffusion model trained on "
        "your picture alone hands it back. The drawing pad needs a running kernel: open this notebook in "
        "JupyterLab (or the dashboard) and run the cell."
    )

    def _repr_mimebundle_(self, **kwargs):
        """The widget, and in words what it does for a static view (nbconvert, a notebook viewer), which
        would otherwise show the raw ``VBox(children=...)``."""
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.STATIC
        bundle["text/html"] = f"<p><i>{html.escape(self.STATIC)}</i></p>"
        return bundle

    # ---- building ----------------------------------------------------------------------
    def _create_pad(self):
        self.pad = Canvas(
            width=PAD, height=PAD, layout=w.Layout(width=f"{PAD}px", height=f"{PAD}px", border="1px solid #888")
        )
        self.pad.add_class("memlab-pad")
        self._pen_down = False
        self.pad.on_client_ready(self._redraw)
        self.pad.on_mouse_down(self._pen_start)
        self.pad.on_mouse_move(self._pen_move)
        self.pad.on_mouse_up(lambda x, y: self._pen_end())
        self.pad.on_mouse_out(lambda x, y: self._pen_end())
        self.pad.on_touch_start(lambda touches: self._pen_start(*touches[0]))
        self.pad.on_touch_move(lambda touches: self._pen_move(*touches[0]))
        self.pad.on_touch_end(lambda touches: self._pen_end())
        self.undo_button = w.Button(description="Undo", layout=w.Layout(width="auto"))
        self.clear_button = w.Button(description="Clear", layout=w.Layout(width="auto"))
        self.upload_button = upload_button()
        self.undo_button.on_click(lambda _: self.undo())
        self.clear_button.on_click(lambda _: self.clear())
        self.upload_button.observe(lambda _: self._on_upload(), names="value")
        self.pad_buttons = w.HBox([self.undo_button, self.clear_button, self.upload_button])
        self.pad_buttons.add_class("memlab-own-row")
        # The picture as the model sees it, small, with its caption beside it: made once, and only the
        # picture's value changes (a new preview per stroke left 5 widgets behind each time).
        self.preview_image = w.Image(format="png", layout=w.Layout(width="84px", height="84px", flex="0 0 auto"))
        caption = w.HTML(
            f"<div style='line-height:1.3;font-size:0.9em'>your picture as the model sees it "
            f"({SIZE}&nbsp;×&nbsp;{SIZE})</div>",
            layout=w.Layout(flex="1 1 auto", margin="0 0 0 10px"),
        )
        self.preview = w.HBox([self.preview_image, caption])
        self._show_preview()

    def _create_training(self):
        self.train_button = w.Button(description="Train", button_style="primary", layout=w.Layout(width="auto"))
        self.cancel_button = w.Button(description="Cancel", layout=w.Layout(width="auto"))
        self.train_button.on_click(lambda _: self.train())
        self.cancel_button.on_click(lambda _: self.cancel())
        self.train_buttons = w.HBox([self.train_button, self.cancel_button])
        self.train_buttons.add_class("memlab-own-row")
        self.train_buttons.add_class("memlab-own-train")
        self.progress = w.IntProgress(
            value=0, min=0, max=self.run.spec.train.steps, layout=w.Layout(width="100%", visibility="hidden")
        )
        self.status, self.message = w.HTML(), w.HTML()

    # ---- the pad -----------------------------------------------------------------------
    def _pen_start(self, x, y):
        self._pen_down = True
        self.drawing.start_stroke(x, y)
        self.pad.fill_circle(x, y, BRUSH / 2)

    def _pen_move(self, x, y):
        if not self._pen_down:
            return
        (x0, y0) = self.drawing.strokes[-1][-1]
        if abs(x - x0) < MIN_STEP and abs(y - y0) < MIN_STEP:
            return  # too close to change the 28 x 28 picture: no point stored, nothing sent
        self.drawing.extend_stroke(x, y)
        self.pad.stroke_line(x0, y0, x, y)

    def _pen_end(self):
        if self._pen_down:
            self._pen_down = False
            self._show_preview()
            self._done_on_the_pad()

    def _redraw(self, *_):
        """Paint the pad from the drawing: black, the uploaded picture, then every stroke."""
        with hold_canvas(self.pad):
            self.pad.clear()
            self.pad.fill_style, self.pad.stroke_style = "white", "white"
            self.pad.line_width, self.pad.line_cap, self.pad.line_join = BRUSH, "round", "round"
            if self.drawing.upload is not None:
                big = np.kron(self.drawing.upload, np.ones((PAD // SIZE, PAD // SIZE), np.uint8))
                self.pad.put_image_data(np.stack([big] * 3, -1), 0, 0)
            else:
                self.pad.fill_style = "black"
                self.pad.fill_rect(0, 0, PAD, PAD)
                self.pad.fill_style = "white"
            for stroke in self.drawing.strokes:
                self.pad.fill_circle(*stroke[0], BRUSH / 2)
                if len(stroke) > 1:
                    self.pad.stroke_lines(stroke)

    def _show_preview(self):
        """Show the picture as the model sees it (in the preview made once by ``_create_pad``)."""
        self.preview_image.value = png(self.drawing.image(), 84)

    def _done_on_the_pad(self, text: str = ""):
        """An action on the pad worked: the last message (e.g. a failed upload's) is no longer about it."""
        self.message.value = _message(text) if text else ""

    def undo(self):
        self.drawing.undo()
        self._redraw()
        self._show_preview()
        self._done_on_the_pad()

    def clear(self):
        self.drawing.clear()
        self._redraw()
        self._show_preview()
        self._done_on_the_pad()

    def _on_upload(self):
        files = self.upload_button.value
        if not files:
            return
        self.upload_button.value = ()  # so that choosing the same file again counts as a new upload
        try:
            content, name = uploaded_file(files, "upload")
        except ValueError as err:
            self.message.value = _message(str(err), error=True)
            return
        self.upload(content, name)

    def upload(self, content: bytes, name: str = "upload"):
        """Put an uploaded picture (any size, PNG or JPEG) on the pad, converted to 28 x 28 grey."""
        try:
            self.drawing.set_upload(image_from_bytes(content, name))
        except ValueError as err:
            self.message.value = _message(str(err), error=True)
            return
        self._redraw()
        self._show_preview()
        self._done_on_the_pad(f"{name}, converted to {SIZE} × {SIZE} grey: draw on it or press Train.")

    # ---- training ----------------------------------------------------------------------
    def train(self):
        """Train on the pad's picture in the background; refused when empty or already training."""
        try:
            self.run.start(self.drawing.image(), self._on_progress, self._on_done)
        except (ValueError, MemlabError) as err:
            self.message.value = _message(str(err), error=True)
            return
        self.message.value = ""
        self.samples.children, self.comparison.children = [], []
        self.progress.value, self.progress.layout.visibility = 0, "visible"
        self.status.value = "Starting…"

    def cancel(self):
        if self.run.cancel():
            self.status.value = "Cancelling…"
        else:
            self.message.value = _message("Nothing is training.")

    def _on_progress(self, p):
        self.progress.value = p.step
        loss = "" if p.loss is None else f" · loss {p.loss:.4f}"
        if p.step < p.total:
            left = "measuring the speed…" if p.seconds_left is None else f"about {math.ceil(p.seconds_left)} s left"
            self.status.value = f"Step {count(p.step)} of {count(p.total)}{loss} · {left}"
        elif p.samples:
            self.status.value = f"Trained. Drawing new image {p.sampled + 1} of {p.samples}…"
        else:
            self.status.value = "Trained. Drawing new images…"

    def _on_done(self, result, error):
        self.progress.layout.visibility = "hidden"
        if error is not None:
            self.status.value = ""
            cancelled = isinstance(error, TrainingCancelled)
            self.message.value = _message(
                f"{error} Press Train to start again." if cancelled else f"Training failed: {error}",
                error=not cancelled,
            )
            return
        self.result = result
        self.message.value = ""
        self.status.value = (
            f"Trained in {result.train_seconds:.0f} s ({count(result.steps)} steps). "
            f"{result.perfect_copies} of {len(result.samples)} samples are perfect copies."
        )
        self.samples.children = [
            w.HTML("<b>New images from your model, one per seed</b>", layout=w.Layout(width="100%"))
        ] + [self._sample_tile(s) for s in result.samples]
        self.comparison.children = [self._comparison(result)]

    def _sample_tile(self, s):
        colour = VERDICT_COLOURS.get(s.verdict, "#000")
        return _tile(s.image, f"seed {s.seed} · <b style='color:{colour}'>{s.verdict}</b><br>{distance_text(s.rmse)}")

    def _comparison(self, result):
        j = result.comparison
        nearest = j.nearest_image
        tiles = w.HBox(
            [
                _tile(result.image, "your picture"),
                _tile(
                    nearest,
                    f"nearest of {count(j.searched)}: training image {j.nearest_index}<br>{distance_text(j.rmse)}",
                ),
            ]
        )
        text = w.HTML(f"<p>{html.escape(result.sentence())} Read more in {LESSON} of memlab's lessons.</p>")
        return w.VBox([w.HTML("<b>The same picture, searched among 60 000 training images</b>"), tiles, text])

    def close(self):
        """Stop any training and delete this panel's temporary folder."""
        self.run.close()
