"""Export each shipped model's network to ONNX, once per machine, for ``memlab.models.onnx_models``.

Which exporter: PyTorch 2.14's default, ``torch.onnx.export(..., dynamo=True)``. It captures the
network with ``torch.export`` (a graph of ATen operators, with the batch size left symbolic through
``dynamic_shapes``) and translates that graph with onnxscript's operator library. The older
TorchScript exporter (``dynamo=False``) traces through the Python code instead, is deprecated since
PyTorch 2.9 and gets no new operators; the new path is the one PyTorch maintains and tests. It needed
one change to the UNet: its attention passes 4-D (batch, heads, positions, channels) tensors to
``scaled_dot_product_attention``, the only layout the ONNX translation accepts (the same arithmetic).

What each export computes (inputs and outputs are named so the runtime can feed them by name):

* diffusion: ``x`` (N, 1, 28, 28) float32 and ``t`` (N,) int64 -> ``output`` (the noise or x_0);
* GAN: ``z`` (N, noise_dim) float32 -> ``images`` (N, 1, 28, 28) on -1..1;
* classifier: ``x`` (N, 1, 28, 28) on -1..1 -> ``probabilities`` (softmax) and ``features``
  (the penultimate layer), both from one pass.

Each file is written to a temporary name and renamed (``os.replace``) so a kernel never opens half a
file, and carries the weights' sha256 in its metadata; its name holds the same hash
(``memlab.models.onnx_models.export_path``).
"""

import os
import tempfile
import time
import warnings

import torch
from torch import nn

from memlab.models import store
from memlab.models.onnx_models import export_path
from memlab.models.registry import MODELS


class ClassifierOutputs(nn.Module):
    """The classifier as the runtime uses it: softmax probabilities and features from one pass."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        features = self.net.features(x)  # (B, feature_dim)
        return self.net.head(features).softmax(1), features  # (B, num_classes), (B, feature_dim)


def exportable(model):
    """(network, example inputs, input names, output names) for one trained model."""
    batch = 2  # any size but 0 or 1 (torch.export fixes those); the export accepts every batch size
    if model.spec.kind == "diffusion":
        return (
            model.net,
            (torch.zeros(batch, 1, 28, 28), torch.zeros(batch, dtype=torch.long)),
            ["x", "t"],
            ["output"],
        )
    if model.spec.kind == "gan":
        return model.net, (torch.zeros(batch, model.spec.network.noise_dim),), ["z"], ["images"]
    return ClassifierOutputs(model.net), (torch.zeros(batch, 1, 28, 28),), ["x"], ["probabilities", "features"]


def export(model_id: str, force: bool = False):
    """Export ``model_id``'s current weights (unless already exported); returns the file's path."""
    path = export_path(model_id)
    if path.is_file() and not force:
        return path
    model = store.load(model_id)
    net, inputs, input_names, output_names = exportable(model)
    batch = torch.export.Dim("batch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on renamed axes and deprecations
        program = torch.onnx.export(
            net.eval(),
            inputs,
            dynamo=True,
            input_names=input_names,
            output_names=output_names,
            dynamic_shapes=[{0: batch}] * len(inputs),
            verbose=False,
        )
    program.model.metadata_props.update({"model_id": model_id, "weights_sha256": model.card["weights_sha256"]})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    os.close(fd)
    try:
        program.save(tmp, external_data=False)
        os.chmod(tmp, 0o644)  # readable by every user of a shared cache (a class server)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def export_all(force: bool = False) -> dict[str, float]:
    """Export every trained shipped model not exported yet (all of them with ``force``); returns the
    seconds each export took, for the models exported now."""
    seconds = {}
    for model_id in MODELS:
        if store.is_trained(model_id) and (force or not export_path(model_id).is_file()):
            start = time.perf_counter()
            export(model_id, force=True)
            seconds[model_id] = time.perf_counter() - start
    return seconds
