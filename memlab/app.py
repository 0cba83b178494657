"""The model picker: pick a model, Generate, see the sample beside its nearest training image.

The only module that imports ipywidgets. Each button calls a plain method (``generate``,
``search_upload``, ``step_through``) that a test can call without a browser; results are drawn
into widgets, and any error is shown as a readable message, never a traceback.
"""

import io

import ipywidgets as w
import numpy as np
import torch
from PIL import Image

from . import data, zoo
from .baseline import baseline_distances, percentile_of
from .errors import MemlabError
from .images import image_from_bytes
from .metrics import NEAR_COPY, NEAR_COPY_UNIT, PERFECT_COPY, PERFECT_COPY_UNIT, to_article, verdict
from .pipeline import find_nearest, generate_and_search, training_index
from .pixels import model_to_unit
from .registry import GENERATORS, MODELS

VERDICT_COLOURS = {"perfect copy": "#b00020", "near copy": "#e07000", "novel": "#1b7f3b"}
MAX_UPLOAD_BYTES = 10_000_000


def png(image, size=140) -> bytes:
    """A (28, 28) image (0..1 floats or uint8, or an RGB array) as an enlarged PNG."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        array = np.round(np.clip(array, 0, 1) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(array).resize((size, size), Image.Resampling.NEAREST).save(buffer, format="PNG")
    return buffer.getvalue()


def difference_map(a, b) -> np.ndarray:
    """|a - b| on 0..1 as an RGB picture: black = equal, bright red/yellow = different."""
    d = np.abs(np.asarray(a, np.float32) - np.asarray(b, np.float32))
    return np.round(np.stack([np.clip(2 * d, 0, 1), np.clip(2 * d - 1, 0, 1), np.zeros_like(d)], -1) * 255
                    ).astype(np.uint8)


def model_label(model_id: str) -> str:
    return MODELS[model_id].label + ("" if zoo.is_trained(model_id) else " (not trained yet)")


class App:
    """The dashboard. ``App().widget`` is what the Voila notebook displays."""

    def __init__(self):
        self._create_controls()
        self._create_result_area()
        self._create_upload()
        self._create_step_through()
        self.widget = w.VBox([
            w.HTML("<h2>Do generative models store copies of their training data?</h2>"
                   "<p>Pick a model, press <b>Generate</b>: memlab draws an image and searches "
                   "<i>every</i> training image the model saw for the nearest one (RMSE).</p>"),
            self.controls, self.message, self.result,
            w.HTML("<h3>Search with your own image</h3>"), self.upload_box,
            w.HTML("<h3>Watch the reverse diffusion process</h3>"), self.steps_box])
        self._on_model_change()

    # ---- building ----------------------------------------------------------------------
    def _create_controls(self):
        self.model = w.Dropdown(options=[(model_label(m), m) for m in GENERATORS], value="mnist-diffusion-1",
                                description="Model")
        self.seed = w.BoundedIntText(value=0, min=0, max=2**31 - 1, description="Seed")
        self.steps = w.IntSlider(value=50, min=1, max=250, description="Steps")
        self.sampler = w.ToggleButtons(options=[("DDIM", "ddim"), ("DDPM", "ddpm")], description="Sampler")
        self.scope = w.ToggleButtons(options=[("same class", False), ("whole set", True)], description="Search")
        self.generate_button = w.Button(description="Generate", button_style="primary", icon="play")
        self.generate_button.on_click(lambda _: self.generate())
        self.model.observe(lambda _: self._on_model_change(), names="value")
        self.controls = w.VBox([w.HBox([self.model, self.seed]), w.HBox([self.steps, self.sampler]),
                                self.scope, self.generate_button])
        self.message = w.HTML()

    def _create_result_area(self):
        self.sample_img, self.nearest_img, self.diff_img = (w.Image(format="png") for _ in range(3))
        captions = ("generated", "nearest training image", "difference")
        self.images = w.HBox([w.VBox([img, w.HTML(f"<center>{c}</center>")])
                              for img, c in zip((self.sample_img, self.nearest_img, self.diff_img), captions)])
        self.figures = w.HTML()
        self.neighbours = w.HBox()
        self.result = w.VBox([self.images, self.figures, w.HTML("<b>Top-5 neighbours</b>"), self.neighbours],
                             layout=w.Layout(display="none"))

    def _create_upload(self):
        self.upload = w.FileUpload(accept="image/*", multiple=False, description="Upload image")
        self.upload_dataset = w.ToggleButtons(options=[("MNIST", "mnist"), ("Fashion-MNIST", "fashion")])
        self.upload.observe(lambda _: self._on_upload(), names="value")
        self.upload_result = w.HBox()
        self.upload_box = w.VBox([w.HBox([self.upload, self.upload_dataset]), self.upload_result])

    def _create_step_through(self):
        self.steps_button = w.Button(description="Run step by step", icon="forward")
        self.steps_button.on_click(lambda _: self.step_through())
        self.step_slider = w.IntSlider(value=0, min=0, max=0, description="Step", disabled=True)
        self.step_slider.observe(lambda _: self._show_step(), names="value")
        self.xt_img, self.x0_img, self.x0_nearest_img = (w.Image(format="png") for _ in range(3))
        self.step_text = w.HTML()
        self.step_images = w.HBox([w.VBox([self.xt_img, w.HTML("<center>x_t</center>")]),
                                   w.VBox([self.x0_img, w.HTML("<center>predicted x_0</center>")]),
                                   w.VBox([self.x0_nearest_img, w.HTML("<center>its nearest</center>")])],
                                  layout=w.Layout(display="none"))
        self.steps_box = w.VBox([w.HBox([self.steps_button, self.step_slider]), self.step_images, self.step_text])
        self.frames = []

    # ---- helpers -------------------------------------------------------------------------
    def _on_model_change(self):
        spec = MODELS[self.model.value]
        if spec.kind == "diffusion":
            self.steps.value, self.sampler.value = spec.default_steps, spec.default_sampler
        self._enable_controls()

    def _enable_controls(self):
        not_diffusion = MODELS[self.model.value].kind != "diffusion"
        self.generate_button.disabled = False
        self.steps.disabled = self.sampler.disabled = self.steps_button.disabled = not_diffusion

    def _error(self, err: Exception):
        text = str(err) if isinstance(err, (MemlabError, ValueError)) else f"{type(err).__name__}: {err}"
        self.message.value = f"<p style='color:#b00020'><b>Could not do that:</b> {text}</p>"

    def _busy(self, busy: bool):
        for button in (self.generate_button, self.steps_button):
            button.disabled = busy
        if not busy:
            self._enable_controls()

    def _neighbour_strip(self, dataset, result, row=0):
        images = data.load(dataset, "train").images
        cells = []
        for i, (index, rmse) in enumerate(zip(result.indices[row], result.rmse[row])):
            cells.append(w.VBox([w.Image(value=png(images[index], 84), format="png"),
                                 w.HTML(f"<small>#{i + 1} index {index}<br>RMSE {rmse:.4f}<br>"
                                        f"article {to_article(rmse):.5f}</small>")]))
        return cells

    # ---- actions -------------------------------------------------------------------------
    def generate(self):
        """Sample with the chosen model and seed, search its training images, show everything."""
        self._busy(True)
        self.message.value = "<p>Working...</p>"
        try:
            model_id = self.model.value
            if not zoo.is_trained(model_id):
                raise MemlabError(zoo.how_to_train(model_id))
            spec = MODELS[model_id]
            steps = self.steps.value if spec.kind == "diffusion" else None
            g = generate_and_search(model_id, self.seed.value, steps, k=5, whole_set=self.scope.value,
                                    sampler=self.sampler.value if spec.kind == "diffusion" else None)
            self._show_generation(g, spec)
            self.message.value = ""
        except Exception as err:  # shown in the app, never as a traceback
            self._error(err)
        finally:
            self._busy(False)
        return self

    def _show_generation(self, g, spec):
        self.sample_img.value = png(g.image)
        self.nearest_img.value = png(g.nearest_image)
        self.diff_img.value = png(difference_map(g.image, g.nearest_image / 255.0))
        rmse, article = float(g.neighbours.rmse[0, 0]), float(g.neighbours.rmse_article[0, 0])
        base = baseline_distances(spec.dataset, whole_set=self.scope.value, model_id=g.model_id)
        classes = data.DATASETS[spec.dataset][1]
        label = "–" if g.predicted_label is None else f"{classes[g.predicted_label]} ({g.confidence:.0%} confident)"
        searched = len(training_index(spec.dataset, g.model_id))
        self.verdict = g.verdict
        self.figures.value = (
            f"<p style='font-size:1.3em'>Verdict: <b style='color:{VERDICT_COLOURS[g.verdict]}'>{g.verdict}</b></p>"
            f"<p>RMSE to the nearest of {searched:,} training image{'s' if searched > 1 else ''}: <b>{rmse:.4f}</b> on the 0–1 scale, "
            f"<b>{article:.5f}</b> on the article's scale (grey levels / 4095).<br>"
            f"Thresholds (article scale): perfect copy &lt; {PERFECT_COPY} ({PERFECT_COPY_UNIT:.4f} on 0–1), "
            f"near copy &lt; {NEAR_COPY} ({NEAR_COPY_UNIT:.4f} on 0–1).<br>"
            f"Natural baseline: {percentile_of(article, base):.0%} of {len(base):,} unseen test images sit closer "
            f"to the same {searched:,} training image{'s' if searched > 1 else ''} than this sample "
            f"(their median: {np.median(base):.5f}; "
            f"{(base < NEAR_COPY).mean():.0%} of them are under the near-copy threshold).<br>"
            f"Predicted class: {label}. Search: {'whole set' if self.scope.value else 'same class'}. "
            f"Time: {g.seconds * 1000:.0f} ms.</p>")
        self.neighbours.children = self._neighbour_strip(spec.dataset, g.neighbours)
        self.result.layout.display = ""

    def _on_upload(self):
        files = self.upload.value
        if not files:
            return
        item = files[0]
        self.search_upload(bytes(item["content"]), item.get("name", "upload"))

    def search_upload(self, content: bytes, name: str = "upload"):
        """Convert an uploaded image to 28 x 28 grey and show its nearest training images."""
        self.message.value = ""
        try:
            if len(content) > MAX_UPLOAD_BYTES:
                raise ValueError(f"{name} is {len(content) / 1e6:.1f} MB; the limit is "
                                 f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB.")
            image = image_from_bytes(content, name)
            dataset = self.upload_dataset.value
            labels, confidences, result = find_nearest(image, dataset, k=5, whole_set=self.scope.value)
            article = float(result.rmse_article[0, 0])
            cell = w.VBox([w.Image(value=png(image, 84), format="png"),
                           w.HTML(f"<small>your image, as converted<br>verdict: <b>{verdict(article)}</b>"
                                  f"</small>")])
            self.upload_result.children = [cell] + self._neighbour_strip(dataset, result)
        except Exception as err:
            self._error(err)
        return self

    def step_through(self):
        """Run the chosen diffusion model step by step, keeping x_t and the predicted x_0 of each step."""
        self._busy(True)
        try:
            model = zoo.load(self.model.value)
            frames = []
            model.sample(1, torch.Generator().manual_seed(self.seed.value), self.steps.value,
                         sampler=self.sampler.value, on_step=lambda t, x, x0: frames.append((t, model_to_unit(x)[0, 0].numpy(),
                                                                 model_to_unit(x0)[0, 0].numpy())))
            index = training_index(model.spec.dataset, model.id)
            nearest = index.search(np.stack([f[2] for f in frames]), k=1)
            images = data.load(model.spec.dataset, "train").images
            self.frames = [(t, xt, x0, images[i], r) for (t, xt, x0), i, r
                           in zip(frames, nearest.indices[:, 0], nearest.rmse_article[:, 0])]
            self.step_slider.max = len(self.frames) - 1
            self.step_slider.disabled = False
            self.step_slider.value = 0
            self.step_images.layout.display = ""
            self._show_step()
        except Exception as err:
            self._error(err)
        finally:
            self._busy(False)
        return self

    def _show_step(self):
        if not self.frames:
            return
        t, xt, x0, nearest, article = self.frames[self.step_slider.value]
        self.xt_img.value, self.x0_img.value, self.x0_nearest_img.value = png(xt), png(x0), png(nearest)
        self.step_text.value = (f"<p>t = {t}: the predicted x_0 is {article:.5f} (article scale) from its "
                                f"nearest training image: {verdict(article)}.</p>")

