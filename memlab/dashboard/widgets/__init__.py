"""The dashboard's widget pieces, and the lessons' widgets: with ``memlab.dashboard.app``, the only code
in memlab that imports ipywidgets (``memlab.server``'s kernel parent only preloads it, by name).

The dashboard (``memlab.dashboard.app``) and the lessons (``notebooks/``) build from these pieces, so no widget
code is pasted into two places. One file per concern; each piece computes through plain memlab
functions and, run headless (CI, nbconvert), still leaves a readable static result.

* the dashboard's pieces: ``controls`` (labelled inputs, the seed box, the model list, messages),
  ``browser_input`` (what a page may change), ``tiles`` (image tiles, neighbour strips, the verdict
  panel), ``jobs`` (work off the kernel's main thread), ``warm`` (the warm-up before the first click),
  ``step_through``, ``upload``, ``membership`` ("Was this picture in its training set?"), ``own_image``
  and ``style`` (the stylesheet);
* the lessons' widgets: ``lesson_figure`` (controls above one figure and a sentence), ``noise`` (01),
  ``diffusion`` (02 and 03), ``neighbours`` (04), ``thresholds`` (05), ``training_size`` (06) and
  ``loss_threshold`` (07).

The dashboard's pieces import the engine that runs the networks, the search and ``memlab.judgement``
inside the functions that compute, not at the top: the page's controls should not wait for them. The
warm-up thread (``warm``) imports them while the page loads. A dashboard kernel runs the networks on ONNX
Runtime and never imports PyTorch: ``tests/fast/test_app.py`` checks it.
"""
