"""The shipped models, each resolved once into an object: ``zoo.open(id)``.

``open(id, engine=...)`` is the one place a model's id is resolved. It returns a ``ShippedModel``: its
spec and card, the network ready to sample on the engine it was opened with (PyTorch or ONNX Runtime,
``memlab.models.engine``), the training images it saw and the classifier of its dataset. Everything
downstream (the dashboard, the analyses, the lessons, the CLI) takes this object and asks it what it
can do; none looks the id up again.

The files behind it (weights and cards) are ``memlab.models.store``'s.
"""

import functools
import time

import numpy as np

from memlab import judgement
from memlab.data.datasets import indices_sha256
from memlab.errors import CheckpointError
from memlab.judging.baseline import BASELINE_N, baseline_distances, typical_likeness
from memlab.judging.nearest import SCOPES
from memlab.judging.training_set import subset_of, whole_split
from memlab.models import engine as engines
from memlab.models import store
from memlab.models.registry import GENERATORS, MODELS, classifier_id, get_spec


class ShippedModel:
    """One model of the zoo, resolved once (``open(id, engine)``): everything downstream takes this object.

    Attributes:
        id, spec, card, label, dataset: who it is, how it was trained, what the dashboard calls it.
        engine: what runs its network, ``"torch"`` or ``"onnx"`` (fixed for this object).
        options: what ``sample`` takes besides a seed (("sampler", "steps") for diffusion, () for a GAN).
        is_generator: True for a diffusion model or a GAN (it samples images), False for a classifier.
        denoises: True for a diffusion model (it samples step by step and has a denoising loss).
        network: the trained network behind ``sample``/``predict``, loaded on first use (verified sha256).
        saw: the training images it saw, with their references (``memlab.judging.training_set.TrainingSet``);
            a model trained on the whole split shares that split's one object.
        classifier: the network that names the class of its dataset's images, on the same engine.
    """

    def __init__(self, model_id: str, engine: str):
        self.spec = get_spec(model_id)  # unknown ids fail here, listing the valid ones
        self.engine = engines.check_engine(engine)
        self.id, self.label, self.dataset, self.options = (
            model_id,
            self.spec.label,
            self.spec.dataset,
            self.spec.options,
        )
        self.is_generator = self.spec.kind != "classifier"
        self.denoises = self.spec.kind == "diffusion"  # a diffusion model: steps, a sampler, a denoising loss
        self.path = store.weights_path(model_id)

    def __repr__(self):
        return f"zoo.open({self.id!r}, engine={self.engine!r})"

    @property
    def is_trained(self) -> bool:
        return self.path.is_file()

    @functools.cached_property
    def card(self) -> dict | None:
        return store.card(self.id)

    @functools.cached_property
    def network(self):
        return engines.network(self.id, self.engine)

    @property
    def classifier(self):
        """The trained classifier of this model's dataset (``predict``, ``features``), on this model's engine."""
        return classifier(self.dataset, self.engine)

    @functools.cached_property
    def subset_indices(self) -> np.ndarray:
        """Dataset indices of the images it was trained on (from its card: no network needed)."""
        indices = np.asarray(self.card["subset_indices"], dtype=np.int64)
        if indices_sha256(indices) != self.card["subset_indices_sha256"]:
            raise CheckpointError(
                f"The card of {self.id!r} lists other training images than it records "
                f"(subset sha256): its {self.path.with_suffix('.json').name} was altered."
            )
        return indices

    @functools.cached_property
    def saw(self):
        if self.spec.saw_whole_split:
            return whole_split(self.dataset)
        return subset_of(self.dataset, self.subset_indices, self.label)

    def baseline(self, scope: str, n: int = BASELINE_N) -> np.ndarray:
        """Article-scale RMSE of ``n`` real unseen test images to their nearest image among those it saw
        (``memlab.judging.baseline``): how close images it never made already come."""
        return baseline_distances(self.saw, scope, self.classifier, n)

    def judge(self, images, k: int = 5, scope: str = "same class") -> list:
        """A ``memlab.judgement.Judgement`` for each of ``images``, searched among the images it saw."""
        return judgement.judge(images, self.saw, self.classifier, k, scope)

    def sample(self, n: int, seed, sampler: str | None = None, steps: int | None = None, on_step=None):
        """``n`` images (n, 28, 28) on 0..1; the same seed gives the same images on either engine.

        Args:
            seed: an int (or a ``numpy.random.Generator``): the noise comes from ``memlab.sampling.noise``.
            sampler, steps: the diffusion sampler (default: the model's); a GAN takes neither.
            on_step: ``on_step(t, x_t, x_0)`` (numpy, 0..1) after every diffusion step.
        """
        if not self.is_generator:
            raise ValueError(f"{self.label} is a classifier: it names images, it does not make them.")
        given = {"sampler": sampler, "steps": steps}
        refused = sorted(name for name, value in given.items() if value is not None and name not in self.options)
        if refused:
            raise ValueError(f"{self.label} takes no {' or '.join(refused)}.")
        options = {name: value for name, value in given.items() if name in self.options}
        if "steps" in self.options:
            options["on_step"] = on_step
        return self.network.sample(n, seed, **options)


@functools.cache
def _open(model_id: str, engine: str) -> ShippedModel:
    return ShippedModel(model_id, engine)


def open(model_id: str, engine: str = engines.DEFAULT) -> ShippedModel:  # noqa: A001 (like io.open: zoo.open)
    """The model ``model_id`` on ``engine`` ("torch", the default, or "onnx"), resolved once per process
    (an unknown id raises, listing the valid ones)."""
    return _open(model_id, engines.check_engine(engine))


open.cache_clear, open.cache_info = _open.cache_clear, _open.cache_info


def classifier(dataset: str, engine: str = engines.DEFAULT):
    """The trained classifier of ``dataset`` (``predict``, ``features``), shared by every caller."""
    model = open(classifier_id(dataset), engine)
    try:
        return model.network
    except CheckpointError as err:
        raise CheckpointError(f"Naming the class of an image needs the {dataset} classifier. {err}") from err


def prepare(dataset: str, engine: str = engines.DEFAULT) -> dict[str, float]:
    """Build (or load) everything a first judgement on ``dataset`` needs: the index of its whole train split,
    the baseline in both scopes, the typical likeness and each small model's own baselines; kept on disk
    (``memlab.data.disk_cache``), so that every later kernel on this machine finds them. Returns the seconds
    each part took."""
    whole = open(next(m for m in GENERATORS if MODELS[m].dataset == dataset and MODELS[m].saw_whole_split), engine)
    subsets = [
        open(m, engine)
        for m in GENERATORS
        if MODELS[m].dataset == dataset and not MODELS[m].saw_whole_split and store.is_trained(m)
    ]  # each searches its own images
    seconds, start = {}, time.perf_counter()
    for what, build in [
        ("search index", lambda: whole_split(dataset)),
        *[(f"baseline ({scope})", lambda scope=scope: whole.baseline(scope)) for scope in SCOPES],
        ("typical likeness", lambda: typical_likeness(dataset)),
        (
            f"{len(subsets)} small models' baselines",
            lambda: [model.baseline(scope) for model in subsets for scope in SCOPES],
        ),
    ]:
        build()
        seconds[what], start = time.perf_counter() - start, time.perf_counter()
    return seconds
