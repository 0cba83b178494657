"""Trained models: the registry of every model, their files, and the two engines that run them.

``registry`` (every model's id, dataset, training recipe and network), ``checkpoint`` (atomic saves,
verified loads), ``store`` (the shipped weights and cards on disk), ``torch_models`` (PyTorch: sample,
predict), ``onnx_models`` (the same on ONNX Runtime, without PyTorch), ``onnx_export`` (PyTorch to ONNX),
``engine`` (which of the two runs a network).

May import: ``memlab.sampling``, ``memlab.nets``, ``memlab.data``, ``memlab.errors``.
"""
