"""Watch reverse diffusion step by step: the noisy image x_t, the model's guess of the finished image
(predicted x_0) and the training image nearest to that guess, judged like any sample.

It uses the dashboard's model, sampler, steps, seed and search scope, runs in the background with a
progress bar, and is cleared when the model changes.
"""

import html

import ipywidgets as w
import numpy as np

from memlab.dashboard.widgets.controls import Message, labelled
from memlab.dashboard.widgets.jobs import Cancelled
from memlab.dashboard.widgets.tiles import VERDICT_COLOURS, tile_html, tile_row
from memlab.dashboard.widgets.warm import COMPUTE

EXPLAIN = (
    "A diffusion model starts from pure noise and removes a little of it at each <b>step</b>. "
    "<b>t</b> counts the noise left, on the scale the model was trained on: t = 999 is pure noise, "
    "t = 0 a clean image. The <b>Steps</b> setting says how many of those noise levels the "
    "sampler visits on the way down."
)


class StepThroughPanel:
    """``StepThroughPanel(request, jobs).widget``; ``run()`` is what the button calls.

    ``request()`` returns the dashboard's current ``controls.Request`` (or raises ValueError with a
    message); ``jobs`` is the dashboard's ``jobs.Jobs``, shared with Generate so only one runs."""

    def __init__(self, request, jobs):
        self.request, self.jobs = request, jobs
        self.button = w.Button(
            description="Run step by step",
            icon="forward",
            button_style="info",
            tooltip="Sample with the settings on the left, keeping every step",
        )
        self.button.on_click(lambda _: self.run())
        self.message = Message()
        self.progress = w.IntProgress(value=0, min=0, max=1, layout=w.Layout(width="100%", display="none"))
        self.slider = self._new_slider(1)
        self.slider.disabled = True
        self.explain = w.HTML()
        self.tiles = w.HTML(layout=w.Layout(display="none"))  # three tiles, drawn again at every step shown
        self.frames = []  # (t, x_t, predicted x_0, Judgement of x_0, nearest training image)
        self.made_by = ""
        self.step_group = labelled(
            "Step", self.slider, "Drag, or use the arrow keys, Home and End, to move through the steps."
        )
        inputs = w.VBox(
            [
                w.HTML(f"<div class='memlab-help'>{EXPLAIN}</div>"),
                self.button,
                self.message,
                self.progress,
                self.step_group,
            ]
        )
        inputs.add_class("memlab-inputs")
        results = w.VBox([self.explain, self.tiles])
        results.add_class("memlab-results")
        self.widget = w.Box([inputs, results])
        self.widget.add_class("memlab-columns")

    def _new_slider(self, steps: int) -> w.IntSlider:
        """A Step slider from 1 to ``steps``. Made new for each run: a slider whose end moved after it was
        drawn answered End with its old end, step 1 (issue 37, defect 6)."""
        slider = w.IntSlider(value=steps, min=1, max=steps, continuous_update=True, layout=w.Layout(width="100%"))
        slider.observe(lambda _: self._show_step(), names="value")
        return slider

    def _replace_slider(self, steps: int):
        old, self.slider = self.slider, self._new_slider(steps)
        self.step_group.children = [self.slider if child is old else child for child in self.step_group.children]
        old.close()

    def clear(self):
        """Forget the steps shown (the model changed)."""
        self.frames = []
        self.slider.disabled, self.slider.max = True, 1
        self.explain.value, self.tiles.layout.display = "", "none"
        self.progress.layout.display = "none"

    def run(self):
        """Start sampling step by step (in the background when the dashboard does)."""
        self.message.clear()
        try:
            request = self.request()
        except ValueError as err:
            self.message.show(str(err), error=True)
            return self
        if request.sampler is None:
            self.message.show(
                "A GAN draws its image in one pass, so there are no steps to watch. Choose a "
                "diffusion model on the left.",
                error=True,
            )
            return self
        if not self.jobs.start(request.describe(), lambda generation: self._run(request, generation)):
            self.message.show(f"Still working on: {self.jobs.what}. Please wait for it to finish.")
        return self

    def _run(self, request, generation):
        from memlab.judgement import sample_and_judge  # here, not at the top: see memlab.dashboard.widgets

        self.progress.max, self.progress.value, self.progress.layout.display = request.steps, 0, ""
        self.message.show(f"Working… 0 of {request.steps} steps.")
        raw = []

        def on_step(t, x_t, x_0):
            self.jobs.stop_if_abandoned(generation)  # the model changed: stop between two steps
            raw.append((t, x_t[0], x_0[0]))  # (28, 28) NumPy arrays on 0..1
            self.progress.value = len(raw)
            if len(raw) % 5 == 0 or len(raw) == request.steps:
                self.message.show(f"Working… {len(raw)} of {request.steps} steps.")

        try:
            with COMPUTE:
                # the one path, keeping every step on the way; then each step's guess x_0 is judged too
                sample_and_judge(
                    request.model,
                    request.seed,
                    request.scope,
                    k=1,
                    sampler=request.sampler,
                    steps=request.steps,
                    on_step=on_step,
                )
                judgements = request.model.judge(np.stack([x0 for _, _, x0 in raw]), k=1, scope=request.scope)
        except Cancelled:  # the model changed: its panel is already cleared
            return
        except Exception as err:  # shown here, never as a traceback
            self.message.show(str(err), error=True)
            return
        finally:
            self.progress.layout.display = "none"
        if not self.jobs.current(generation):  # finished just as the model changed
            return
        self.frames = [(t, xt, x0, j, j.nearest_image) for (t, xt, x0), j in zip(raw, judgements)]
        self.made_by = request.describe()
        # said in the live region that said "Working…", so a screen reader hears that the steps are there
        self.message.show(
            f"Done: {len(self.frames)} steps. Move the Step slider (arrow keys, Home, End) to see each one."
        )
        self._replace_slider(len(self.frames))
        self._show_step()

    def _show_step(self):
        if not self.frames:
            return
        step = self.slider.value
        t, xt, x0, j, nearest = self.frames[step - 1]
        colour = VERDICT_COLOURS.get(j.verdict, "#000")
        before = (
            "pure noise: nothing removed yet"
            if step == 1
            else f"after removing noise {step - 1} time{'s' if step != 2 else ''}"
        )
        self.explain.value = (
            f"<p><b>Step {step} of {len(self.frames)}</b>, at noise level <b>t = {t}</b>: the sampler looks at "
            f"the noisy image x_t ({before}) and guesses the finished image. Its guess is "
            f"<b style='color:{colour}'>{html.escape(j.verdict_phrase())}</b> ({j.rmse_article:.5f} on the "
            f"article's scale, {j.rmse:.4f} on 0–1). {html.escape(j.sentence())}</p>"
            f"<p class='memlab-help'>Made by: {html.escape(self.made_by)}.</p>"
        )
        self.tiles.value = tile_row(
            [  # one message per step shown: no new widgets while dragging
                tile_html(xt, f"x_t: the noisy image at t = {t}", f"the noisy image at step {step}"),
                tile_html(
                    x0, "predicted x_0: the model's guess of the final image", "the model's guess of the final image"
                ),
                tile_html(
                    nearest,
                    f"training image nearest to the guess (index {j.nearest_index})",
                    f"the training image nearest to the guess, index {j.nearest_index}",
                ),
            ]
        )
        self.tiles.layout.display = ""
