"""Your own image, memorized in about two minutes: draw (or upload) a picture, train the one-image recipe
on it, and watch the model hand it back.

The computation behind the "your own image" panel (``memlab/dashboard/widgets/own_image.py``), with no widgets:

    drawing = Drawing()                       # strokes drawn on a 280 x 280 pad
    drawing.start_stroke(40, 40); drawing.extend_stroke(200, 220)
    run = OwnImageRun()                     # a private temporary folder, deleted when the run goes
    result = run.train_and_judge(drawing.image(), on_progress=print)
    result.samples[0].verdict               # "perfect copy"

Training is the real ``memlab.training.loop`` loop with the one-image recipe of ``memlab.models.registry``
(``mnist-diffusion-1``: 1 000 steps of 8 copies, the network predicts x_0; 101-111 s on a 2-core machine,
``TRAINING_WORDS``). The time left is measured (``TimeLeft``). Everything it writes goes
to the run's own temporary folder (``memlab.private_folder``: readable by its owner only, deleted with
the run or with the learner's kernel, however it ends). The image itself is never written anywhere.
"""

import shutil
import threading
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw

from memlab import zoo
from memlab.data.pixels import SIZE, as_unit_images
from memlab.errors import MemlabError
from memlab.judging.metrics import rmse, to_article, verdict
from memlab.models.registry import MODELS, get_spec
from memlab.number_format import count
from memlab.private_folder import PrivateFolder

if TYPE_CHECKING:  # PyTorch and the search load on first use, so the panel draws before them
    from memlab.judgement import Judgement

PAD = 280  # the drawing pad's side in pixels (10 x 28)
BRUSH = 24  # pen width on the pad: about 2.4 pixels of the 28 x 28 image, like MNIST strokes
RECIPES = {"mnist": "mnist-diffusion-1", "fashion": "fashion-diffusion-1"}  # what is trained
COMPARE_WITH = {"mnist": "mnist-diffusion-60000", "fashion": "fashion-diffusion-60000"}  # 60 000 images
RUN_ID = "own-image"  # the model id written in the temporary folder's checkpoint
FOLDER_PREFIX = "memlab-own-image-"
TRAINING_WORDS = "about two minutes on a 2-core computer"  # 1 000 steps: 101-111 s measured (issue 37)
WARM_UP_STEPS = 20  # the first steps are slow (PyTorch warms up): the speed is measured after them
RECENT_STEPS = 100  # ... and over the last 100 steps too: a machine that slows down shows at once
EMPTY = "Draw something first: the pad is empty (or upload a picture)."
BUSY = "Training is already running: wait for it to finish, or press Cancel first."


class TrainingCancelled(MemlabError):
    """The learner pressed Cancel (or the kernel is shutting down)."""


class Drawing:
    """What the learner made: pen strokes on a ``PAD`` x ``PAD`` pad over an optional uploaded picture."""

    def __init__(self):
        self.strokes: list[list[tuple[float, float]]] = []  # each stroke: the points the pen passed
        self.upload: np.ndarray | None = None  # (28, 28) uint8, or None

    def start_stroke(self, x, y):
        self.strokes.append([(float(x), float(y))])

    def extend_stroke(self, x, y):
        if self.strokes:
            self.strokes[-1].append((float(x), float(y)))

    def set_upload(self, image):
        """Use a (28, 28) picture (e.g. from ``memlab.data.image_files.image_from_bytes``) as the background."""
        self.upload = np.round(as_unit_images(image, "uploaded picture")[0] * 255).astype(np.uint8)
        self.strokes = []

    def undo(self):
        """Remove the last stroke; with no strokes left, remove the uploaded picture."""
        if self.strokes:
            self.strokes.pop()
        else:
            self.upload = None

    def clear(self):
        self.strokes, self.upload = [], None

    def image(self) -> np.ndarray:
        """The drawing as a (28, 28) uint8 image, white on black like MNIST (the pad is shrunk 10 times)."""
        pad = Image.new("L", (PAD, PAD), 0)
        pen = ImageDraw.Draw(pad)
        radius = BRUSH / 2
        for stroke in self.strokes:
            if len(stroke) > 1:
                pen.line(stroke, fill=255, width=BRUSH)
            for x, y in stroke:  # round ends and joints
                pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
        drawn = np.asarray(pad.resize((SIZE, SIZE), Image.Resampling.BOX), dtype=np.uint8)
        return drawn if self.upload is None else np.maximum(drawn, self.upload)

    def is_empty(self) -> bool:
        return not self.image().any()


def check_image(image) -> np.ndarray:
    """The image to train on as (28, 28) on 0..1; an all-black image is refused (``EMPTY``)."""
    unit = as_unit_images(image, "your image")
    if len(unit) != 1:
        raise ValueError(f"Train on one image at a time, not {len(unit)}.")
    if unit.max() <= 1 / 255:
        raise ValueError(EMPTY)
    return unit[0]


def recipe(dataset: str = "mnist", steps: int | None = None):
    """The registry's one-image recipe for ``dataset``, renamed for a learner's image.

    ``steps`` shortens it (tests only); the learning-rate schedule then decays over the shorter run."""
    spec = get_spec(RECIPES[dataset])
    train = (
        spec.train
        if steps is None
        else replace(spec.train, steps=steps, checkpoint_every=min(steps, spec.train.checkpoint_every))
    )
    return replace(spec, id=RUN_ID, label="Your own image", train=train)


@dataclass(frozen=True)
class Progress:
    step: int
    total: int
    loss: float | None  # mean loss of the last 100 steps (None before the first 100)
    elapsed_s: float
    seconds_left: float | None  # training time left (``TimeLeft``); None while the speed is measured
    sampled: int = 0  # after training: samples drawn so far, of ``samples``
    samples: int = 0


class TimeLeft:
    """Training time left, measured honestly (issue 37, defect 12: it said "about 1732 s left" at the
    start, slowed by the first steps, and "about 1-2 s left" long after).

    The speed is measured on the steps after a warm-up (``WARM_UP_STEPS``), both over all of them and
    over the last ``RECENT_STEPS``; the slower of the two times the steps left is the estimate, so a
    machine that slows down is never promised less than what remains at its current speed."""

    def __init__(self):
        self.times = []  # (step, seconds since the start) from the warm-up's end on

    def __call__(self, step: int, total: int, elapsed: float) -> float | None:
        if step < WARM_UP_STEPS:
            return None
        self.times.append((step, elapsed))
        (first, t_first), (recent, t_recent) = self.times[0], self.times[max(0, len(self.times) - RECENT_STEPS)]
        if step == first:
            return None  # one point: no speed yet
        per_step = (elapsed - t_first) / (step - first)
        if step > recent:
            per_step = max(per_step, (elapsed - t_recent) / (step - recent))
        return per_step * (total - step)


@dataclass(frozen=True)
class SampleVerdict:
    """One sample of the learner's model, measured against the learner's image."""

    seed: int
    image: np.ndarray  # (28, 28) on 0..1
    rmse: float  # to the learner's image, 0-1 scale
    rmse_article: float  # the same on the article's scale (grey levels / 4095)
    verdict: str  # "perfect copy", "near copy" or "novel"


@dataclass(frozen=True)
class OwnImageResult:
    image: np.ndarray  # (28, 28) on 0..1: what was trained on
    train_seconds: float
    steps: int
    samples: list  # [SampleVerdict]
    compare_model: str  # the 60 000-image model whose training set was searched
    comparison: "Judgement"  # the learner's image judged against that training set

    @property
    def perfect_copies(self) -> int:
        return sum(s.verdict == "perfect copy" for s in self.samples)

    def sentence(self) -> str:
        """What this shows, and what it does not, in plain words."""
        j, label = self.comparison, MODELS[self.compare_model].label
        where = (
            f"Your image is practically one of the {count(j.searched)} training images of {label} (did "
            "you upload a picture from the dataset?)"
            if j.verdict == "perfect copy"
            else f"{label}, trained on {count(j.searched)} images, never saw your image"
        )
        return (
            f"Your model, trained on your image alone, gave it back in {self.perfect_copies} of "
            f"{len(self.samples)} samples. {where}: the nearest of its training images is {j.rmse:.4f} "
            f'away (0–1 scale; {j.rmse_article:.5f} on the article\'s scale), verdict "{j.verdict}". '
            f"{j.sentence()} This shows that a model can store an image it was trained on, exactly; it "
            "does not show whether a model trained on many images stores any one of them, nor whether "
            "a copy breaks copyright."
        )


class OwnImageRun:
    """One learner's runs: a private temporary folder, one training at a time, cancellable.

    Args:
        dataset: ``"mnist"`` or ``"fashion"``: whose one-image recipe to train and which 60 000-image
            model to compare with.
        steps: shorten the recipe (tests); default the registry's 1 000 steps.
        sample_steps: DDIM steps per sample (default the recipe's 50).
        seeds: one sample per seed; the same seed gives the same sample.
    """

    def __init__(self, dataset="mnist", steps=None, sample_steps=None, seeds=range(8)):
        if dataset not in RECIPES:
            raise ValueError(f"dataset must be one of {sorted(RECIPES)}, got {dataset!r}.")
        self.dataset, self.spec = dataset, recipe(dataset, steps)
        self.sample_steps, self.seeds = sample_steps, [int(s) for s in seeds]
        self._stop, self._threads, self._lock = threading.Event(), [], threading.Lock()
        self._private = PrivateFolder(self, FOLDER_PREFIX, self._stop, self._threads)
        self.folder = self._private.path

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def train(self, image, on_progress=None):
        """Train the recipe on ``image`` in this run's folder; returns the trained model.

        ``on_progress(Progress)`` is called about four times a second. Raises ``TrainingCancelled`` if
        ``cancel()`` is called meanwhile (from another thread)."""
        self._stop.clear()
        return self._train(image, on_progress)

    def _train(self, image, on_progress):
        from memlab.models import checkpoint
        from memlab.models.torch_models import from_payload  # before PyTorch is imported (see memlab.dashboard.widgets)
        from memlab.training import loop as training  # here, not at the top: the dashboard draws this panel

        image = check_image(image)
        start, last, time_left = time.monotonic(), [0.0], TimeLeft()

        def on_step(step, total, loss):
            if self._stop.is_set():  # stops the loop at once: nothing more is written
                raise TrainingCancelled(f"Training cancelled at step {count(step)} of {count(total)}.")
            elapsed = time.monotonic() - start
            seconds_left = time_left(step, total, elapsed)  # every step: the speed is measured on all of them
            if on_progress is not None and (elapsed - last[0] > 0.25 or step == total):
                last[0] = elapsed
                on_progress(Progress(step, total, loss, elapsed, seconds_left))

        out = self.folder / "runs"
        shutil.rmtree(out, ignore_errors=True)  # a fresh model each time, never a resumed one
        if self._stop.is_set():  # cancelled before the first step
            raise TrainingCancelled("Training cancelled before it started.")
        training.train(self.spec, out, progress=False, device="cpu", images=image[None], on_step=on_step)
        return from_payload(checkpoint.load(out / RUN_ID / f"{RUN_ID}.pt", expect_id=RUN_ID))

    def samples(self, model, image, on_sample=None) -> list[SampleVerdict]:
        """One sample per seed, each measured against ``image`` on both scales; ``on_sample(done, n)``
        before each."""
        image, found = check_image(image), []
        for seed in self.seeds:
            if on_sample is not None:
                on_sample(len(found), len(self.seeds))
            sample = model.sample(1, seed, self.sample_steps)[0]
            distance = float(rmse(sample, image)[0])
            found.append(
                SampleVerdict(seed, sample, distance, float(to_article(distance)), verdict(float(to_article(distance))))
            )
        return found

    def compare(self, image) -> "Judgement":
        """``image`` searched among every training image of the 60 000-image model."""
        return zoo.open(COMPARE_WITH[self.dataset]).judge(check_image(image), k=1, scope="whole set")[0]

    def train_and_judge(self, image, on_progress=None) -> OwnImageResult:
        """Train, sample every seed, compare: everything the panel shows, in one call."""
        self._stop.clear()
        return self._train_and_judge(image, on_progress)

    def _train_and_judge(self, image, on_progress):
        image = check_image(image)
        start = time.monotonic()
        model = self._train(image, on_progress)
        seconds = time.monotonic() - start
        steps = model.card["steps"]

        def on_sample(done, n):  # after training: say which sample is being drawn, not a time
            if on_progress is not None:
                on_progress(Progress(steps, steps, None, time.monotonic() - start, None, done, n))

        return OwnImageResult(
            image,
            seconds,
            steps,
            self.samples(model, image, on_sample),
            COMPARE_WITH[self.dataset],
            self.compare(image),
        )

    def start(self, image, on_progress=None, on_done=None):
        """``train_and_judge`` in a background thread, so the page stays live.

        ``on_done(result, error)`` gets an ``OwnImageResult`` or the exception (e.g.
        ``TrainingCancelled``). Raises ``ValueError`` at once for an empty image, and ``MemlabError``
        (``BUSY``) while a run is already training."""
        check_image(image)
        with self._lock:
            if self.running:
                raise MemlabError(BUSY)
            self._stop.clear()  # here, not in the thread: a Cancel pressed at once must not be lost

            def work():
                try:
                    result, error = self._train_and_judge(image, on_progress), None
                except Exception as err:  # handed to on_done, which shows it to the learner
                    result, error = None, err
                if on_done is not None and not self._private.closed.is_set():  # no one to tell at exit
                    on_done(result, error)

            self._threads[:] = [threading.Thread(target=work, name="memlab-own-image", daemon=True)]
            self._threads[0].start()

    def cancel(self) -> bool:
        """Ask the training to stop; True if one was running."""
        self._stop.set()
        return self.running

    def wait(self, timeout=None):
        for thread in list(self._threads):
            thread.join(timeout)

    def close(self):
        """Stop any training and delete the folder now (also happens on garbage collection and exit)."""
        self._private.close()
