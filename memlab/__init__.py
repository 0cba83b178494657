"""memlab: do generative models store copies of their training data?

Train small DDPM and DCGAN models on MNIST and Fashion-MNIST, sample from them, and search
the training set exhaustively for each sample's nearest image by RMSE.

Where things live, bottom layer first: each folder imports only those before it, and ``errors``,
``memory`` or ``private_folder`` (its ``__init__`` says which):

* ``data``: the images: datasets, the IDX reader, the pixel convention, image files, the disk cache;
* ``nets``: the networks (UNet, DCGAN, classifier) and their settings (``configs``, free of PyTorch);
* ``sampling``: a seed to an image: noise, the schedule (DDPM, DDIM) and the loop, for either engine;
* ``models``: the registry, checkpoints, the shipped files, and the PyTorch and ONNX Runtime engines;
* ``training``: one step of each kind of model, and the resumable loop;
* ``judging``: exact search, the images a model saw, nearest images, metrics, baseline, criteria;
* ``zoo`` and ``judgement`` (modules): ``zoo.open(id)``, a shipped model; ``sample_and_judge``, a seed to a verdict;
* ``analyses``: a whole model: evaluate, audit and curve, membership, extraction, their figures;
* ``teaching``: the lessons' computations, exercise checks, your own image, student versions, links;
* ``dashboard``: the app and its widgets, the only folder that imports ipywidgets;
* ``server``: the public Voila server: places, guarded websockets, kernels forked from one parent;
* modules beside them: ``cli`` (the ``memlab`` command), ``errors``, ``memory``, ``private_folder``,
  ``number_format`` ("60 000", "62 %": one way to write numbers everywhere).
"""

import os

__version__ = "0.1.0"

# ONNX Runtime (the dashboard's engine) sends usage telemetry to Microsoft from Linux since 1.29 and keeps a
# device id in ~/.cache/Microsoft, unless ORT_DISABLE_TELEMETRY=1 is set before it starts (microsoft/
# onnxruntime PR 27379, Feb 2026). A classroom or a public dashboard must not report its students' kernels
# to anyone: memlab turns it off for itself and the kernels it starts (an operator can still set it to 0).
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
