"""Saving and loading checkpoints: weights + config + provenance, never a pickled module.

A checkpoint is a plain dict saved with ``torch.save`` and loaded with ``weights_only=True``
(which refuses to run pickled code)::

    {"format": "memlab-checkpoint-1",
     "spec": {...},            # the registry's ModelSpec as a dict (config of network and training)
     "weights": state_dict,    # what is sampled from: EMA weights (diffusion), generator (GAN), classifier
     "card": {...},            # provenance: dataset, subset, steps, wall time, git commit, weights_sha256 ...
     "subset_indices": tensor, # the exact training images (dataset indices)
     "training": {...}}        # only in resumable checkpoints: raw weights, optimizer state, step, RNG

Writes are atomic (a temporary file, then ``os.replace``, then the folder synced): a crash or a full
disk mid-write leaves the old file.
"""

import hashlib
import json
import os
import pickle
import zipfile
from pathlib import Path

import torch

from memlab.errors import CheckpointError

FORMAT = "memlab-checkpoint-1"


def weights_sha256(state_dict: dict) -> str:
    """sha256 over every tensor's name, dtype, shape and bytes, in sorted key order."""
    digest = hashlib.sha256()
    for key in sorted(state_dict):
        tensor = state_dict[key].detach().cpu().contiguous().reshape(-1)  # 1-D: scalars too
        digest.update(f"{key}|{tensor.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(tensor.view(torch.uint8).numpy().tobytes() if tensor.numel() else b"")
    return digest.hexdigest()


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)``, then rename the temporary file over ``path`` and sync the folder.

    Any error leaves ``path`` as it was and removes the temporary file. A failed write (a full disk,
    a file-size limit: ``OSError`` from Python, ``RuntimeError`` from ``torch.save``) becomes a
    one-line ``CheckpointError``.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())  # the bytes are on disk before the rename ...
        os.replace(tmp, path)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)  # ... and the rename itself survives a power cut
        finally:
            os.close(folder)
    except BaseException as err:
        tmp.unlink(missing_ok=True)
        if not isinstance(err, (OSError, RuntimeError)):
            raise
        if isinstance(err, OSError) and err.strerror:
            reason = err.strerror
        else:  # torch.save's own words, e.g. "[enforce fail at inline_container.cc:672] . unexpected pos"
            reason = f"the write stopped part-way: {str(err).splitlines()[0][:160]}"
        raise CheckpointError(
            f"Could not save {path} ({reason}). The previous file, if any, is untouched. If the disk is "
            "full, free some space or choose another --out folder, then run again with --resume."
        ) from err


def save(path: Path, payload: dict) -> None:
    """Atomically save a checkpoint dict (see the module docstring)."""
    atomic_write(path, lambda tmp: torch.save(payload, tmp))


def write_card(path: Path, card: dict) -> None:
    """Atomically write a model card as sorted, indented JSON."""
    text = json.dumps(card, indent=2, sort_keys=True) + "\n"
    atomic_write(path, lambda tmp: Path(tmp).write_text(text))


def load(path: Path, expect_id: str | None = None) -> dict:
    """Load and verify a checkpoint.

    Args:
        path: the ``.pt`` file.
        expect_id: if given, the checkpoint must belong to this model id.

    Raises:
        CheckpointError: missing, truncated, corrupt, not a memlab checkpoint, pickled code,
            weights whose sha256 differs from the card, or a checkpoint of another model.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"No checkpoint at {path}. Train it with `memlab train {expect_id or 'MODEL_ID'}`.")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile, pickle.UnpicklingError) as err:
        raise CheckpointError(
            f"Checkpoint {path} cannot be read: it is truncated, corrupt or holds objects that are not "
            f"plain weights ({type(err).__name__}: {str(err).splitlines()[0][:200]}). Delete it and train "
            "again, or restore the file (for shipped models: reinstall memlab)."
        ) from err
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a memlab checkpoint (no format {FORMAT!r}).")
    card = payload["card"]
    if expect_id is not None and card.get("id") != expect_id:
        raise CheckpointError(
            f"{path} holds model {card.get('id')!r}, not {expect_id!r}: a checkpoint of another model. "
            f"Put the right file in place or train it with `memlab train {expect_id}`."
        )
    actual = weights_sha256(payload["weights"])
    if actual != card.get("weights_sha256"):
        raise CheckpointError(
            f"The weights in {path} do not match their card: sha256 {actual[:16]}... but the card says "
            f"{str(card.get('weights_sha256'))[:16]}.... The file was altered or damaged; restore it or retrain."
        )
    return payload
