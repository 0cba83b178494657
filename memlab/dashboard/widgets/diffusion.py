"""Lessons 02 and 03's widgets: the forward process, a live loss curve, and reverse diffusion step by step.

* ``ForwardSlider``: a timestep slider over q(x_t | x_0): the noisy image and how much of it is signal;
* ``LossCurve``: the training loss, redrawn while ``memlab.training.loop.train`` runs (its ``on_step``);
* ``ReverseScrubber``: a step slider through two reverse runs, DDPM and DDIM, showing x_t and the
  predicted x_0 side by side.
All computation is in ``memlab.teaching.lessons``; these only draw it.
"""

import ipywidgets as w
import numpy as np
from IPython.display import display
from matplotlib.figure import Figure

from memlab.dashboard.widgets.lesson_figure import FigureWidget
from memlab.number_format import percent
from memlab.teaching.lessons import forward_frames, signal_and_noise

SAMPLER_COLOURS = {"ddpm": "#c05600", "ddim": "#1f5fbf"}


def _picture(ax, image, title):
    ax.imshow(image, cmap="gray", vmin=0, vmax=1)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


class ForwardSlider(FigureWidget):
    """A slider over the timestep t of the forward (noising) process of one training image."""

    def __init__(self, image, t: int = 250, seed: int = 0, main: bool = False):
        self.source, self.seed = image, seed
        self.signal, self.noise = signal_and_noise()
        self.t = w.IntSlider(
            value=t,
            min=0,
            max=len(self.signal) - 1,
            step=1,
            description="timestep t",
            continuous_update=False,
            style={"description_width": "initial"},
        )
        self.controls = [self.t]
        self._build(main)

    def draw(self):
        t = self.t.value
        figure = Figure(figsize=(8, 2.8))
        left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 2.2]})
        _picture(left, forward_frames(self.source, [t], self.seed)[0], f"x_t at t = {t}")
        steps = np.arange(len(self.signal))
        right.plot(steps, self.signal, color="#1f5fbf", label="weight of the image, √ᾱ_t")
        right.plot(steps, self.noise, color="#c05600", label="weight of the noise, √(1 − ᾱ_t)")
        right.axvline(t, color="black", linestyle="--", label=f"t = {t}")
        right.set_xlabel("timestep t of the forward process")
        right.set_ylabel("weight in x_t")
        right.set_title("How much of x_t is still the image", fontsize=10)
        right.legend(fontsize=8, loc="center right")
        figure.tight_layout()
        sentence = (
            f"t = {t}: x_t = {self.signal[t]:.2f} × the image + {self.noise[t]:.2f} × noise "
            f"(the image's share of the variance: {percent(self.signal[t] ** 2)})."
        )
        return figure, sentence, None


class LossCurve(FigureWidget):
    """The training loss so far; pass ``curve.on_step`` to ``memlab.training.loop.train``.

    ``show()`` displays it; ``finish(card)`` draws the finished run and refreshes that display, so a
    headless run keeps the final curve."""

    def __init__(self, title: str = "Training loss", every: int = 100, main: bool = False):
        self.title, self.every = title, every
        self.steps, self.losses, self.total = [], [], None
        self.controls = []
        self.handle = None
        self._build(main)

    def on_step(self, step: int, total: int, latest_loss):
        """``memlab.training.loop.train``'s callback: record the newest loss every ``every`` steps."""
        self.total = total
        if latest_loss is not None and step % self.every == 0:
            self.steps.append(step)
            self.losses.append(float(latest_loss))
            self.update()
        return False  # never ask training to stop

    def draw(self):
        figure = Figure(figsize=(6.5, 3))
        ax = figure.subplots()
        ax.plot(self.steps, self.losses, "o-", color="#1f5fbf", label=f"mean loss of each {self.every} steps")
        ax.set_xlim(0, self.total or 1000)
        if self.losses:
            ax.set_yscale("log")
        ax.set_xlabel("training step")
        ax.set_ylabel("loss (mean squared error, log axis)")
        ax.set_title(self.title, fontsize=10)
        ax.legend(fontsize=8)
        figure.tight_layout()
        if not self.losses:
            return figure, "Waiting for the first losses...", None
        latest = f"Step {self.steps[-1]} of {self.total}: loss {self.losses[-1]:.5f} (first: {self.losses[0]:.5f})."
        return figure, latest, None

    def show(self):
        self.handle = display(self, display_id=True)

    def finish(self, card: dict | None = None):
        """Refresh the display; with the run's ``card``, also plot its last (partial) stretch of steps."""
        if card is not None:
            losses = card["loss_per_100_steps"]
            self.steps = [min(100 * (i + 1), card["steps"]) for i in range(len(losses))]
            self.losses, self.total = list(losses), card["steps"]
            self.update()
        if self.handle is not None:
            self.handle.update(self)


class ReverseScrubber(FigureWidget):
    """A step slider through reverse-diffusion runs (``memlab.teaching.lessons.Trajectory``), shown side by side.

    Args:
        trajectories: e.g. ``[reverse_trajectory(model, "ddpm"), reverse_trajectory(model, "ddim")]``,
            all with the same number of steps.
        main: mark it as the lesson's main widget.
    """

    def __init__(self, trajectories, step: int | None = None, main: bool = False):
        self.trajectories = trajectories
        steps = len(trajectories[0].timesteps)
        self.step = w.IntSlider(
            value=step or steps // 2,
            min=1,
            max=steps,
            description="reverse step",
            continuous_update=False,
            style={"description_width": "initial"},
        )
        self.controls = [self.step]
        self._build(main)

    def draw(self):
        k = self.step.value
        figure = Figure(figsize=(9, 1.4 + 2.2 * len(self.trajectories)))
        grid = figure.add_gridspec(len(self.trajectories), 3, width_ratios=[1, 1, 2.4])
        curve = figure.add_subplot(grid[:, 2])
        parts = []
        for row, run in enumerate(self.trajectories):
            t, name = run.timesteps[k - 1], run.sampler.upper()
            _picture(figure.add_subplot(grid[row, 0]), run.x_t[k - 1], f"{name}: x_t after step {k} (t={t})")
            _picture(figure.add_subplot(grid[row, 1]), run.pred_x0[k - 1], f"{name}: predicted x_0")
            change = run.x0_change()
            colour = SAMPLER_COLOURS.get(run.sampler)
            curve.plot(np.arange(1, len(change) + 1), change, color=colour, label=f"{name}")
            parts.append(f"{name}'s predicted x_0 is {change[k - 1]:.3f} from its final image")
        curve.axvline(k, color="black", linestyle="--", label=f"step {k}")
        curve.set_xlabel("reverse step (from pure noise to the image)")
        curve.set_ylabel("RMSE (0–1) of predicted x_0\nto the finished image")
        curve.set_title("When does the picture settle?", fontsize=10)
        curve.legend(fontsize=8)
        figure.tight_layout()
        return figure, f"Step {k} of {len(self.trajectories[0].timesteps)}: " + "; ".join(parts) + ".", None
