"""The dashboard: pick a model, Generate, see the sample beside its nearest training images and a verdict
placed among real unseen images.

Reading order of the Gradio demos: model, settings and Generate on the left, the result on the right
(stacked on a phone). The pieces live in ``memlab.dashboard.widgets``; this class wires them. Each button calls a
plain method (``generate``, ``upload.search``, ``step_through.run``) that a test can call without a
browser. Work runs in a background thread (``widgets.jobs``), so the page keeps answering: changing the
model clears the old result at once, and a run that finishes afterwards is not shown under the new model.
"""

import html
import time

import ipywidgets as w

from memlab import zoo
from memlab.dashboard.widgets.browser_input import accept_only_input
from memlab.dashboard.widgets.controls import (
    MAX_STEPS,
    SCOPES,
    Message,
    Request,
    labelled,
    model_options,
    parse_seed,
    seed_box,
)
from memlab.dashboard.widgets.jobs import Cancelled, Jobs
from memlab.dashboard.widgets.membership import MembershipPanel
from memlab.dashboard.widgets.step_through import StepThroughPanel
from memlab.dashboard.widgets.style import no_null_tooltips, stylesheet
from memlab.dashboard.widgets.tiles import JudgementView
from memlab.dashboard.widgets.upload import UploadPanel
from memlab.dashboard.widgets.warm import COMPUTE, Warmer
from memlab.errors import MemlabError
from memlab.models import store
from memlab.models.engine import check_engine
from memlab.models.registry import MODELS

DEMO = "Nathan Reitinger's <a href='https://huggingface.co/spaces/nathanReitinger/modelProblems' target='_blank'>original Gradio demo</a> (eight models), which memlab reproduces, and his article <a href='https://towardsdatascience.com/do-machine-learning-models-store-protected-content-abec357c6b70' target='_blank'>“Do Machine Learning Models Store Protected Content?”</a> (Towards Data Science, 6 May 2024)"
# The intro is short (WCAG 3.1.5, plain words: under 40 words a 15-year-old reads at once); the details, and
# every term they use, sit behind "How does this work?" (a native <details>: a keyboard and a screen reader
# open it without any script).
INTRO = (
    "<h1>Do generative models store copies of their training data?</h1>"
    "<p>Pick a model and press <b>Generate</b>. memlab draws a new image, finds the closest picture "
    "the model was trained on, and says if it is a copy.</p>"
    "<details class='memlab-details'><summary>How does this work?</summary>"
    "<p>memlab searches <i>every</i> training image the model saw for the nearest one. The distance is the "
    "<b>RMSE</b> (root mean square error: the typical difference between the two pictures' pixels), "
    "shown on two scales: 0 to 1 for a pixel's brightness, and the <b>article's scale</b> (grey levels "
    "divided by 4095) used by " + DEMO + ". On that scale, below 0.0009 is a <i>perfect copy</i> and "
    "below 0.006 a <i>near copy</i>.</p>"
    "<p>Being close can be ordinary resemblance, so every verdict is also compared with real test "
    "images the model never saw.</p></details>"
)
HINT_MORE_STEPS = "Try more steps (50 is a good start): with too few, the sampler stops while the image is still noise."


def took(seconds: float) -> str:
    """A duration as a person reads it: "420 ms", "12.6 s", "2 min 6 s"."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {seconds % 60:.0f} s"


def sections(app):
    """The sections under Generate, in order: (title, widget). Add a section with one line here."""
    yield "Watch the reverse diffusion process", app.step_through.widget
    yield "Search with your own image", app.upload.widget
    yield "Was this picture in its training set?", MembershipPanel().widget
    own = _own_image_panel()
    if own is not None:
        yield "Your own image: train a model on it", own.widget


def _own_image_panel():
    try:
        from memlab.dashboard.widgets.own_image import OwnImagePanel
    except ImportError:  # its drawing pad needs ipycanvas
        return None
    panel = OwnImagePanel()
    # Its preview picture takes the caption beside it as alt text (the page's script, issue 37): marked here,
    # so the panel's preview code stays as it is.
    preview = getattr(panel, "preview", None)
    if preview is not None:
        preview.add_class("memlab-own-preview")
    return panel


class App:
    """The dashboard. ``App().widget`` is what the Voila notebook displays.

    Args:
        engine: what runs the networks, ``"torch"`` (PyTorch) or ``"onnx"`` (ONNX Runtime: the public
            dashboard's light kernels, which never import PyTorch); every model is opened on it.
        background: run Generate and step-through in a background thread (the notebook); tests pass
            False to run them in the caller's thread.
        warm: build the chosen model's search index, classifier and baseline in the background (at start
            and whenever another model is chosen).
    """

    def __init__(self, engine: str = "torch", background: bool = True, warm: bool = True):
        self.engine = check_engine(engine)
        accept_only_input()
        self.jobs = Jobs(background)
        self._create_controls()
        self._create_result()
        self.step_through = StepThroughPanel(self.request, self.jobs)
        self.upload = UploadPanel(self.engine)
        self.shown = None  # the Request of the result on screen
        self.results_shown = 0  # results drawn in this page so far
        self.judgement = None
        columns = w.Box([self.inputs, self.results])
        columns.add_class("memlab-columns")
        parts = [stylesheet(), w.HTML(INTRO), columns]
        for title, widget in sections(self):
            section = w.VBox([w.HTML(f"<h2>{title}</h2>"), widget])
            section.add_class("memlab-section")
            parts.append(section)
        self.widget = w.VBox(parts, layout=w.Layout(width="100%"))
        self.widget.add_class("memlab-app")
        self._on_model_change()
        no_null_tooltips(self.widget)
        self.warmer = Warmer([self.model.value], self.engine).start() if warm else None

    # ---- building ----------------------------------------------------------------------
    def _create_controls(self):
        self.model = w.Dropdown(options=model_options(), value="mnist-diffusion-1", layout=w.Layout(width="100%"))
        self.sampler = w.ToggleButtons(
            options=[("DDIM", "ddim"), ("DDPM", "ddpm")],
            tooltips=[
                "Deterministic: the same seed always gives the same image",
                "Adds fresh noise at every step, as in the original DDPM",
            ],
        )
        self.steps = w.IntSlider(value=50, min=1, max=MAX_STEPS, layout=w.Layout(width="100%"))
        self.seed = seed_box()
        self.scope = w.ToggleButtons(
            options=[(scope, scope) for scope in SCOPES],
            tooltips=["Only training images of the class the classifier sees", "Every training image the model saw"],
        )
        self.generate_button = w.Button(
            description="Generate",
            button_style="primary",
            icon="play",
            tooltip="Draw one image and search its nearest training images",
        )
        self.generate_button.on_click(lambda _: self.generate())
        self.seed_message, self.message = Message(), Message()
        self.diffusion_settings = w.VBox(
            [
                labelled(
                    "Sampler",
                    self.sampler,
                    "DDIM: the same seed always gives the same image. DDPM: adds "
                    "fresh noise at every step, as the original paper did.",
                ),
                labelled(
                    "Steps",
                    self.steps,
                    "How many times the sampler removes noise. More: slower, usually "
                    "cleaner; with very few, most models give noise.",
                ),
            ]
        )
        self.gan_note = w.HTML(
            "<div class='memlab-help'>A GAN draws its image in one pass: no sampler, no steps.</div>"
        )
        self.inputs = w.VBox(
            [
                labelled(
                    "Model",
                    self.model,
                    "In brackets: how many training images it learned from. The "
                    "original demo's eight models come first.",
                ),
                self.diffusion_settings,
                self.gan_note,
                labelled("Seed", self.seed, "A whole number: the same seed and settings give the same image."),
                self.seed_message,
                labelled(
                    "Search",
                    self.scope,
                    "Same class: only training images of the class the classifier sees "
                    "in the sample. Whole set: all of them.",
                ),
                self.generate_button,
                self.message,
            ],
            layout=w.Layout(width="100%"),
        )
        self.inputs.add_class("memlab-inputs")
        self.model.observe(lambda _: self._on_model_change(), names="value")
        for control in (self.sampler, self.steps, self.seed, self.scope):
            control.observe(lambda _: self._mark_stale(), names="value")

    def _create_result(self):
        self.result_title = w.HTML()
        self.view = JudgementView("generated", k=5)  # filled again by each result: no new widgets per click
        self.result = w.VBox([self.result_title, self.view.widget], layout=w.Layout(display="none"))
        self.placeholder = w.HTML(
            "<p class='memlab-help'>The result appears here: the image, its nearest "
            "training image, the difference, and the verdict.</p>"
        )
        self.results = w.VBox([self.placeholder, self.result], layout=w.Layout(width="100%"))
        self.results.add_class("memlab-results")

    # ---- settings --------------------------------------------------------------------------
    def request(self) -> Request:
        """The current settings, checked (``Request.check``); ValueError with a message when one is not
        valid (the seed box's own words for the seed)."""
        seed = parse_seed(self.seed.value)
        spec = MODELS.get(self.model.value)
        options = spec.options if spec is not None else ()
        return Request(
            self.model.value,
            self.sampler.value if "sampler" in options else None,
            self.steps.value if "steps" in options else None,
            seed,
            self.scope.value,
            self.engine,
        ).check()

    def _on_model_change(self):
        """A new model: its default settings, and nothing of the old model's results left on screen."""
        self.jobs.invalidate()
        model = zoo.open(self.model.value, self.engine)
        takes_steps = "steps" in model.options  # controls drawn from what the generator takes
        if takes_steps:
            self.steps.value, self.sampler.value = model.spec.default_steps, model.spec.default_sampler
        self.diffusion_settings.layout.display = "" if takes_steps else "none"
        self.gan_note.layout.display = "none" if takes_steps else ""
        self.step_through.clear()
        self.step_through.button.disabled = not takes_steps
        self.shown = self.judgement = None
        self.result.layout.display = "none"
        self.placeholder.layout.display = ""
        self.message.clear()
        if getattr(self, "warmer", None):
            self.warmer.prefer(self.model.value)

    def _mark_stale(self):
        """Grey the result when the settings no longer match it, and say so."""
        self.seed_message.clear()
        try:
            current = self.request()
        except ValueError as err:
            (self.seed_message if self._seed_is_wrong() else self.message).show(str(err), error=True)
            current = None
        stale = self.shown is not None and current != self.shown
        (self.result.add_class if stale else self.result.remove_class)("memlab-stale")
        if stale and not self.jobs.busy:
            self.message.show("The settings changed since this result: press Generate to see theirs.")

    def _seed_is_wrong(self) -> bool:
        try:
            parse_seed(self.seed.value)
        except ValueError:
            return True
        return False

    # ---- Generate ----------------------------------------------------------------------------
    def generate(self):
        """Sample with the current settings, judge the image, and show it (in the background unless
        the App was made with ``background=False``). A click while busy is refused with a message."""
        self.message.clear()
        try:
            request = self.request()
        except ValueError as err:
            if self._seed_is_wrong():
                self.seed_message.show(str(err), error=True)
                err = "Fix the seed above first."
            self.message.show(str(err), error=True)
            return self
        if not request.model.is_trained:
            self.message.show(store.how_to_train(request.model_id), error=True)
            return self
        if not self.jobs.start(request.describe(), lambda generation: self._generate(request, generation)):
            self.message.show(
                f"Still working on: {self.jobs.what}. Please wait for it to finish, then press Generate again."
            )
        return self

    def _generate(self, request: Request, generation: int):
        self.message.show(f"Working… {request.describe()}")
        from memlab.judgement import sample_and_judge  # here, not at the top: see memlab.dashboard.widgets

        start = said = time.perf_counter()
        done = 0

        def on_step(t, x_t, x_0):
            """Between two sampler steps (x_t, x_0: NumPy images on 0..1, unused here): stop if the model
            changed; say how far the run is."""
            nonlocal done, said
            self.jobs.stop_if_abandoned(generation)
            done += 1
            if time.perf_counter() - said > 0.5 or done == request.steps:
                said = time.perf_counter()
                self.message.show(f"Working… {done} of {request.steps} steps ({request.describe()})")

        try:
            with COMPUTE:
                self.jobs.stop_if_abandoned(generation)
                judgement = sample_and_judge(
                    request.model,
                    request.seed,
                    request.scope,
                    k=5,
                    sampler=request.sampler,
                    steps=request.steps,
                    on_step=on_step,
                )
        except Cancelled:  # the model changed: its screen is already clean, and nobody waits for this run
            return
        except Exception as err:  # shown in the app, never as a traceback
            if self.jobs.current(generation):
                text = str(err) if isinstance(err, (MemlabError, ValueError)) else f"{type(err).__name__}: {err}"
                self.message.show(text, error=True)
            return
        seconds = time.perf_counter() - start
        if not self.jobs.current(generation):  # finished just as the model changed: not the new model's
            return
        self._show(request, judgement, seconds)

    def _show(self, request, judgement, seconds):
        hint = HINT_MORE_STEPS if request.sampler else "This GAN did not draw something like the dataset."
        # No "Made by" line in the panel: the result's title above it already names the model and settings.
        self.view.show(judgement, hint=hint)
        self.results_shown += 1
        # The title last: when it changes, the result under it is on the page. ``data-result`` numbers the
        # results, so the page changes even when the same settings give the same image (tests wait for it).
        # A heading (WCAG 1.3.1), so a screen reader's heading list finds the result.
        self.result_title.value = (
            f"<h2 class='memlab-result-title' data-result='{self.results_shown}'>"
            f"<b>Result:</b> {html.escape(request.describe())}. Took {took(seconds)}.</h2>"
        )
        self.shown, self.judgement, self.verdict = request, judgement, judgement.verdict
        self.result.remove_class("memlab-stale")
        self.placeholder.layout.display = "none"
        self.result.layout.display = ""
        # The verdict in the live region that said "Working…", so a screen reader hears it (WCAG 4.1.3).
        self.message.show(
            f"Done in {took(seconds)}. Verdict: {judgement.headline}. The result is shown with "
            "the image, its nearest training image and the reasons."
        )
