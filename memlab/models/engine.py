"""Which engine runs a model's network: PyTorch or ONNX Runtime.

* ``"torch"``: PyTorch (``memlab.models.torch_models``): the lessons, the CLI, training.
* ``"onnx"``: ONNX Runtime (``memlab.models.onnx_models``): dashboard kernels, which then never import
  PyTorch (about 540 MB less per visitor).

Both offer the same interface (``sample``, ``predict``, ``features``) and draw a seed's noise from the same
stream (``memlab.sampling.noise``), so the same seed gives the same image in either. The engine is chosen
per model object: ``zoo.open(id, engine="onnx")`` (PyTorch when none is named); the dashboard notebook
states it once, ``App(engine="onnx")``.
"""

ENGINES = ("torch", "onnx")
DEFAULT = "torch"


def check_engine(name: str) -> str:
    if name not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {name!r}.")
    return name


def import_engine(name: str):
    """Import what runs the networks on ``name`` (seconds for PyTorch; the dashboard draws its controls first)."""
    if check_engine(name) == "onnx":
        from memlab.models import onnx_models  # noqa: F401
    else:
        from memlab.models import torch_models  # noqa: F401


def network(model_id: str, name: str):
    """The trained network of ``model_id`` on engine ``name``. ONNX: exported now if it is not yet (which
    imports PyTorch once; ``memlab prepare`` exports every model ahead)."""
    from memlab.models import store

    if check_engine(name) == "torch":
        return store.load(model_id)
    from memlab.models.onnx_models import export_path, open_onnx

    if not export_path(model_id).is_file():
        from memlab.models.onnx_export import export

        export(model_id)
    return open_onnx(model_id)
