"""The shipped models: weights and cards inside the package, loaded offline and verified.

``open(id)`` is the one place a model's id is resolved: it returns a ``ShippedModel`` (spec, card, the
network ready to sample, the training images it saw and their references), made once per kernel.

``memlab/weights/ID.pt`` holds the weights, spec and card of model ``ID`` (written by
``memlab train ID``); ``ID.json`` beside it is the same card for people to read.
Set ``MEMLAB_WEIGHTS`` to load from another folder (e.g. your own training runs).
"""

import functools
import json
import os
from pathlib import Path

from memlab.errors import CheckpointError
from memlab.models.registry import MODELS, classifier_id, get_spec

PACKAGE_WEIGHTS = Path(__file__).parent / "weights"


def weights_dir() -> Path:
    return Path(os.environ.get("MEMLAB_WEIGHTS", PACKAGE_WEIGHTS))


def weights_path(model_id: str) -> Path:
    get_spec(model_id)  # unknown ids fail here, listing the valid ones
    return weights_dir() / f"{model_id}.pt"


def is_trained(model_id: str) -> bool:
    return weights_path(model_id).is_file()


def how_to_train(model_id: str) -> str:
    return (f"Model {model_id!r} is not trained yet (no {weights_path(model_id)}). Train it with "
            f"`memlab train {model_id}`, then copy runs/{model_id}/{model_id}.pt and .json into "
            f"{weights_dir()}, or set MEMLAB_WEIGHTS to a folder holding them.")


@functools.lru_cache(maxsize=16)
def _load_cached(model_id: str, path: str, mtime: float):
    from memlab.models import checkpoint          # PyTorch is imported with the first model loaded, not with the list
    from memlab.models.torch_models import from_payload  # of models (the dashboard draws its controls before it)

    return from_payload(checkpoint.load(Path(path), expect_id=model_id))


def load(model_id: str):
    """Load a shipped model (verifying its sha256); cached, so repeated loads are free.

    Raises:
        UnknownNameError: ``model_id`` is not in the registry (the message lists valid ids).
        CheckpointError: the model is not trained, or its file is corrupt or altered.
    """
    path = weights_path(model_id)
    if not path.is_file():
        raise CheckpointError(how_to_train(model_id))
    return _load_cached(model_id, str(path), path.stat().st_mtime)


def card(model_id: str) -> dict | None:
    """The card of a shipped model, or None when it is not trained."""
    path = weights_path(model_id).with_suffix(".json")
    return json.loads(path.read_text()) if path.is_file() else None


def card_table() -> str:
    """A Markdown table of every registry model and its card (what `memlab zoo` prints)."""
    head = ("| id | label | parameters | trained on | steps | epochs | wall time | machine | final loss | "
            "sampler | sha256 |\n|---|---|---|---|---|---|---|---|---|---|---|")
    rows = []
    for model_id, spec in MODELS.items():
        c = card(model_id)
        if c is None:
            rows.append(f"| `{model_id}` | {spec.label} | – | {spec.train_size} {spec.dataset} | not trained "
                        f"| | | | | | |")
            continue
        sampler = f"{c['default_sampler']} {c['default_steps']}" if c.get("default_sampler") else "–"
        extra = f" (test acc. {c['test_accuracy']:.2%})" if "test_accuracy" in c else ""
        rows.append(f"| `{model_id}` | {c['label']} | {c['parameters']:,} | {c['train_size']} {c['dataset']} "
                    f"(seed {c['subset_seed']}) | {c['steps']} | {c['epochs']} | {c['wall_time_s'] / 60:.1f} min "
                    f"| {c['machine']} | {c['loss_final']:.4f}{extra} | {sampler} | `{c['weights_sha256'][:12]}` |")
    return "\n".join([head] + rows)


# What runs the networks of ``open(id)``: "torch" (PyTorch: the lessons, the CLI, training) or "onnx" (ONNX
# Runtime: dashboard kernels, which then never import PyTorch; ``use_engine``). $MEMLAB_ENGINE sets the default.
ENGINES = ("torch", "onnx")
_engine = os.environ.get("MEMLAB_ENGINE", "torch")


def use_engine(name: str):
    """Run every network opened from now on with ``name`` ("torch" or "onnx"), for this process."""
    global _engine
    if name not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {name!r}.")
    _engine = name


def import_engine():
    """Import what runs the networks (seconds; the dashboard draws its controls first)."""
    if _engine == "onnx":
        from memlab.models import onnx_models  # noqa: F401
    else:
        from memlab.models import torch_models as models  # noqa: F401


def _network(model_id: str):
    """The trained network of ``model_id`` on the current engine (ONNX: exported now if it is not yet,
    which imports PyTorch once; ``memlab prepare`` exports every model ahead)."""
    if _engine != "onnx":
        return load(model_id)
    from memlab.models.onnx_models import export_path, open_onnx

    if not export_path(model_id).is_file():
        from memlab.models.onnx_export import export

        export(model_id)
    return open_onnx(model_id)


class ShippedModel:
    """One model of the zoo, resolved once (``open(id)``): everything downstream takes this object.

    Attributes:
        id, spec, card, label, dataset: who it is, how it was trained, what the dashboard calls it.
        options: what ``sample`` takes besides a seed (("sampler", "steps") for diffusion, () for a GAN).
        network: the trained network behind ``sample``/``predict``, loaded on first use (verified sha256).
        saw: the training images it saw, with their references (``memlab.judging.training_set.TrainingSet``);
            a model trained on the whole split shares that split's one object.
    """

    def __init__(self, model_id: str):
        self.spec = get_spec(model_id)   # unknown ids fail here, listing the valid ones
        self.id, self.label, self.dataset, self.options = model_id, self.spec.label, self.spec.dataset, self.spec.options
        self.path = weights_dir() / f"{model_id}.pt"

    def __repr__(self):
        return f"zoo.open({self.id!r})"

    @property
    def is_trained(self) -> bool:
        return self.path.is_file()

    @functools.cached_property
    def card(self) -> dict | None:
        return card(self.id)

    @functools.cached_property
    def network(self):
        return _network(self.id)

    @functools.cached_property
    def subset_indices(self):
        """Dataset indices of the images it was trained on (from its card: no network needed)."""
        import numpy as np

        from memlab.data.datasets import indices_sha256

        indices = np.asarray(self.card["subset_indices"], dtype=np.int64)
        if indices_sha256(indices) != self.card["subset_indices_sha256"]:
            raise CheckpointError(f"The card of {self.id!r} lists other training images than it records "
                                  f"(subset sha256): its {self.path.with_suffix('.json').name} was altered.")
        return indices

    @functools.cached_property
    def saw(self):
        from memlab.judging.training_set import subset_of, whole_split

        if self.spec.saw_whole_split:
            return whole_split(self.dataset)
        return subset_of(self.dataset, self.subset_indices, self.label)

    def sample(self, n: int, seed, sampler: str | None = None, steps: int | None = None, on_step=None):
        """``n`` images (n, 28, 28) on 0..1; the same seed gives the same images. ``sampler`` and ``steps``
        (diffusion only; default: the model's) and ``on_step(t, x_t, x_0)`` (numpy, 0..1, after every step)."""
        given = {"sampler": sampler, "steps": steps}
        refused = sorted(name for name, value in given.items() if value is not None and name not in self.options)
        if refused:
            raise ValueError(f"{self.label} takes no {' or '.join(refused)}.")
        options = {name: value for name, value in given.items() if name in self.options}
        if "steps" in self.options:
            options["on_step"] = on_step
        return self.network.sample(n, seed, **options)


@functools.lru_cache(maxsize=None)
def open(model_id: str) -> ShippedModel:   # noqa: A001 (like io.open: zoo.open)
    """The model ``model_id``, resolved once per kernel (an unknown id raises, listing the valid ones)."""
    return ShippedModel(model_id)


def classifier(dataset: str):
    """The trained classifier of ``dataset`` (``predict``, ``features``), shared by every caller."""
    model = open(classifier_id(dataset))
    try:
        return model.network
    except CheckpointError as err:
        raise CheckpointError(f"Naming the class of an image needs the {dataset} classifier. {err}") from err
