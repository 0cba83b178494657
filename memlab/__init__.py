"""memlab: do generative models store copies of their training data?

Train small DDPM and DCGAN models on MNIST and Fashion-MNIST, sample from them, and search
the training set exhaustively for each sample's nearest image by RMSE.

Where things live:

* data: ``idx`` (the IDX file reader), ``data`` (datasets and subsets), ``pixels`` (the pixel
  convention), ``image_files`` (reading query images, writing sample grids);
* models: ``schedule`` (noise schedule, DDPM and DDIM steps), ``unet`` / ``gan`` / ``classifier``
  (the networks), ``configs`` (their settings and the schedule's, free of PyTorch so the dashboard
  lists models before importing it), ``sampling`` (the loops), ``models`` (trained models behind one
  interface, one record per kind of model), ``registry`` (every model's configuration);
* training and saving: ``trainers`` (one step of each kind), ``training`` (the loop, resume),
  ``checkpoint`` (atomic saves, verified loads), ``zoo`` (the shipped models; ``zoo.open(id)``, the one place a model's id is resolved);
* is it a copy? ``judgement`` (the home of the question: ``sample_and_judge``, the one path from a seed
  to a verdict, in four numbered steps), ``training_set`` (what a model saw, with its classifier and
  baselines), ``nearest`` (search exactly what it saw), ``search`` (exact search; ``search_faiss``,
  optional), ``metrics`` (RMSE on both scales, thresholds), ``baseline`` (how close unseen images already are),
  ``criteria`` / ``audit`` (the memorization criteria), ``evaluate`` (a model's figures), ``plots``;
* teaching: ``lessons`` (the lessons' computations), ``exercises`` (exercise checks),
  ``own_image`` (train on your own drawing), ``widgets`` (every widget piece) and ``app`` (the
  dashboard) — the only places that import ipywidgets; ``versions`` (the student version of the
  lessons, made from the teacher's), ``links`` (the repository's address, the article and demo);
* running it: ``cli`` (the ``memlab`` command), ``serve`` (Voila for many users; ``places``, ``kernel_socket``,
  ``frames``, ``dashboard_kernel``, ``kernel_parent`` and ``fork_provisioner`` behind it), ``memory``
  (freed memory back after each job),
  ``private_folder`` (a learner's temporary folder), ``errors`` (one-line messages).
"""

import os

__version__ = "0.1.0"

# ONNX Runtime (the dashboard's engine) sends usage telemetry to Microsoft from Linux since 1.29 and keeps a
# device id in ~/.cache/Microsoft, unless ORT_DISABLE_TELEMETRY=1 is set before it starts (microsoft/
# onnxruntime PR 27379, Feb 2026). A classroom or a public dashboard must not report its students' kernels
# to anyone: memlab turns it off for itself and the kernels it starts (an operator can still set it to 0).
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
