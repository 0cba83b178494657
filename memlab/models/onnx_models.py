"""The shipped models on ONNX Runtime: sampling and classifying without importing PyTorch.

A dashboard kernel that imports PyTorch holds about 540 MB and takes seconds to start; the same
networks exported to ONNX (``memlab.models.onnx_export``, run by ``memlab prepare``) run on ONNX Runtime in a
fraction of that. The classes here offer exactly the interface of the PyTorch models in
``memlab.models.torch_models``:

* ``OnnxDiffusion.sample(n, seed, steps=None, sampler=None, on_step=None)`` -> (n, 28, 28) on 0..1;
* ``OnnxGAN.sample(n, seed)`` (one pass: nothing else to choose);
* ``OnnxClassifier.predict(images)`` -> (labels, confidences) and ``.features(images)``.

The sampling loop is ``memlab.sampling.loop`` over ``memlab.sampling.schedule``, and a seed's noise comes
from ``memlab.sampling.noise``, as in the PyTorch models: one seed, one image, in either engine.

Exports live in the disk cache folder (``memlab.data.disk_cache.cache_dir()``), named by the weights'
sha256 from the model card: after a checkpoint changes, its old export is simply never found.
Nothing this module imports imports PyTorch (``tests/fast/test_onnx.py`` checks).
"""

import functools
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np
import onnxruntime as ort

from memlab.data import disk_cache
from memlab.data.pixels import as_unit_images, model_to_unit, unit_to_model
from memlab.errors import CheckpointError
from memlab.models import store
from memlab.models.registry import get_spec
from memlab.sampling import noise
from memlab.sampling.loop import sample_diffusion, sample_gan
from memlab.sampling.schedule import NoiseSchedule

EXPORT_FORMAT = 1  # bump when what an export holds changes (input names, outputs): old files are then ignored


def export_path(model_id: str) -> Path:
    """Where the export of ``model_id``'s current weights lives (whether or not it exists yet).

    Raises:
        CheckpointError: the model is not trained (it has no card, so no weights to export).
    """
    card = store.card(model_id)
    if card is None:
        raise CheckpointError(store.how_to_train(model_id))
    return disk_cache.cache_dir() / "onnx" / f"{model_id}-{card['weights_sha256'][:16]}-v{EXPORT_FORMAT}.onnx"


def session(path) -> ort.InferenceSession:
    """An ONNX Runtime session on one thread, running nodes in order: one dashboard kernel per visitor
    on a small machine, where one thread each was measured steadier than threads fighting for cores."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # No memory arena: the arena keeps every buffer a run ever needed (a kernel that had warmed every model
    # held ~1 GB, measured), where freeing them costs no measurable time at these sizes (DDIM 50 on the
    # 60 000-image UNet: 175 ms with the arena, 186 ms without, one run each).
    options.enable_cpu_mem_arena = False
    options.enable_mem_pattern = False
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


# Sessions kept open per process. A session holds its network's weights (plus the planned buffers): 8 MB
# for a UNet, ~20 MB for a GAN. A visitor who tries every model would otherwise keep all fourteen (~120 MB
# per kernel); reopening a closed one takes ~20-40 ms (measured), and the warm-up reopens a model as soon as
# it is chosen again. Four: a generator and its classifier for each dataset.
MAX_OPEN_SESSIONS = 4
_open_sessions: "OrderedDict[str, ort.InferenceSession]" = OrderedDict()  # path -> session, least recent first
_sessions_lock = threading.Lock()


def open_session(path: str) -> ort.InferenceSession:
    """The session of the export at ``path``: the one kept open, or a new one (closing the least recently
    used when more than ``MAX_OPEN_SESSIONS`` would be open)."""
    with _sessions_lock:
        found = _open_sessions.pop(path, None)
        if found is None:
            found = session(path)
        _open_sessions[path] = found
        while len(_open_sessions) > MAX_OPEN_SESSIONS:
            _open_sessions.popitem(last=False)  # a run still using it keeps it alive until it ends
        return found


class OnnxModel:
    """One exported network, its spec and its card (as ``memlab.models.torch_models.TrainedModel``)."""

    def __init__(self, spec, card, path):
        self.spec, self.card, self.path = spec, card, str(path)

    @property
    def session(self) -> ort.InferenceSession:
        return open_session(self.path)

    @property
    def id(self):
        return self.spec.id

    def _run(self, **inputs) -> list[np.ndarray]:
        return self.session.run(None, inputs)


class OnnxDiffusion(OnnxModel):
    def sample(self, n, seed=None, steps=None, sampler=None, on_step=None) -> np.ndarray:
        """``n`` images on 0..1, shape (n, 28, 28); see ``memlab.models.torch_models.DiffusionModel.sample``.

        ``on_step(t, x_t, x0)`` is called after every step with (n, 28, 28) arrays on 0..1."""

        def predict(x, t: int):
            return self._run(x=x, t=np.full((len(x),), t, dtype=np.int64))[0]

        step_hook = (
            None
            if on_step is None
            else (lambda t, x_t, x0: on_step(t, model_to_unit(x_t)[:, 0], model_to_unit(x0)[:, 0]))
        )
        x = sample_diffusion(
            predict,
            NoiseSchedule(self.spec.schedule),
            n,
            noise.stream(seed),
            steps or self.spec.default_steps,
            sampler or self.spec.default_sampler,
            on_step=step_hook,
        )
        return model_to_unit(x)[:, 0]


class OnnxGAN(OnnxModel):
    def sample(self, n, seed=None) -> np.ndarray:
        """``n`` images on 0..1, shape (n, 28, 28): one pass, so no steps, sampler or on_step to take."""
        x = sample_gan(lambda z: self._run(z=z)[0], self.spec.network.noise_dim, n, noise.stream(seed))
        return model_to_unit(x)[:, 0]


class OnnxClassifier(OnnxModel):
    def _batches(self, images, output: int, batch=1000) -> np.ndarray:
        x = unit_to_model(as_unit_images(images))[:, None]  # (N, 1, 28, 28) on -1..1
        return np.concatenate([self._run(x=x[i : i + batch])[output] for i in range(0, len(x), batch)])

    def predict(self, images):
        """Class ids (int64) and the softmax confidence of each (float32), for images on 0..1 or uint8."""
        probs = self._batches(images, 0)  # (N, num_classes)
        return probs.argmax(1).astype(np.int64), probs.max(1).astype(np.float32)

    def features(self, images) -> np.ndarray:
        """Penultimate-layer features (N, feature_dim), for the Frechet distance."""
        return self._batches(images, 1)


CLASSES = {"diffusion": OnnxDiffusion, "gan": OnnxGAN, "classifier": OnnxClassifier}


@functools.lru_cache(maxsize=16)
def _open(model_id: str, path: str):
    spec, card = get_spec(model_id), store.card(model_id)
    model = CLASSES[spec.kind](spec, card, path)
    stored = model.session.get_modelmeta().custom_metadata_map.get("weights_sha256")
    if stored != card["weights_sha256"]:  # a file under the right name, made from other weights
        raise CheckpointError(
            f"{path} was exported from other weights than {model_id!r}'s "
            f"(sha256 {stored} != {card['weights_sha256']}); delete it and run `memlab prepare`."
        )
    return model


def open_onnx(model_id: str):
    """The exported ``model_id`` on ONNX Runtime: ``OnnxDiffusion``, ``OnnxGAN`` or ``OnnxClassifier``.

    Made once per process; its ONNX Runtime session is kept open while it is among the
    ``MAX_OPEN_SESSIONS`` most recently used, and reopened when needed again.

    Raises:
        UnknownNameError: ``model_id`` is not in the registry.
        CheckpointError: the model is not trained, or its current weights have not been exported
            (``memlab prepare`` exports every trained model).
    """
    path = export_path(model_id)
    if not path.is_file():
        raise CheckpointError(
            f"No ONNX export of {model_id!r}'s current weights in {path.parent} "
            f"(looked for {path.name}). Run `memlab prepare` to export every trained model."
        )
    return _open(model_id, str(path))
