"""The shipped models' files: weights and cards inside the package, loaded offline and verified.

``memlab/weights/ID.pt`` holds the weights, spec and card of model ``ID`` (written by ``memlab train
ID``); ``ID.json`` beside it is the same card for people to read. Set ``MEMLAB_WEIGHTS`` to load from
another folder (e.g. your own training runs).

Reading a card needs no PyTorch; ``load`` (the PyTorch network) imports it on first use.
"""

import functools
import json
import os
from pathlib import Path

from memlab.errors import CheckpointError
from memlab.models.registry import MODELS, get_spec

PACKAGE_WEIGHTS = Path(__file__).resolve().parents[1] / "weights"


def weights_dir() -> Path:
    return Path(os.environ.get("MEMLAB_WEIGHTS", PACKAGE_WEIGHTS))


def weights_path(model_id: str) -> Path:
    get_spec(model_id)  # unknown ids fail here, listing the valid ones
    return weights_dir() / f"{model_id}.pt"


def is_trained(model_id: str) -> bool:
    return weights_path(model_id).is_file()


def how_to_train(model_id: str) -> str:
    return (
        f"Model {model_id!r} is not trained yet (no {weights_path(model_id)}). Train it with "
        f"`memlab train {model_id}`, then copy runs/{model_id}/{model_id}.pt and .json into "
        f"{weights_dir()}, or set MEMLAB_WEIGHTS to a folder holding them."
    )


@functools.lru_cache(maxsize=16)
def _load_cached(model_id: str, path: str, mtime: float):
    # PyTorch is imported with the first model loaded, not with the list of models (the dashboard draws
    # its controls before it)
    from memlab.models import checkpoint
    from memlab.models.torch_models import from_payload

    return from_payload(checkpoint.load(Path(path), expect_id=model_id))


def load(model_id: str):
    """The PyTorch model ``model_id`` (its sha256 verified); cached, so repeated loads are free.

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
    head = (
        "| id | label | parameters | trained on | steps | epochs | wall time | machine | final loss | "
        "sampler | sha256 |\n|---|---|---|---|---|---|---|---|---|---|---|"
    )
    rows = []
    for model_id, spec in MODELS.items():
        c = card(model_id)
        if c is None:
            rows.append(
                f"| `{model_id}` | {spec.label} | – | {spec.train_size} {spec.dataset} | not trained | | | | | | |"
            )
            continue
        sampler = f"{c['default_sampler']} {c['default_steps']}" if c.get("default_sampler") else "–"
        extra = f" (test acc. {c['test_accuracy']:.2%})" if "test_accuracy" in c else ""
        rows.append(
            f"| `{model_id}` | {c['label']} | {c['parameters']:,} | {c['train_size']} {c['dataset']} "
            f"(seed {c['subset_seed']}) | {c['steps']} | {c['epochs']} | {c['wall_time_s'] / 60:.1f} min "
            f"| {c['machine']} | {c['loss_final']:.4f}{extra} | {sampler} | `{c['weights_sha256'][:12]}` |"
        )
    return "\n".join([head] + rows)
