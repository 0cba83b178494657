"""The widget pieces: everything that imports ipywidgets lives here or in ``memlab.dashboard.app``.

The dashboard (``memlab.dashboard.app``) and the lessons (``notebooks/``) build from these pieces, so no widget
code is pasted into two places. One file per concern; each piece computes through plain memlab
functions and, run headless (CI, nbconvert), still leaves a readable static result.

The dashboard's pieces (``controls``, ``images``, ``step_through``, ``upload``, ``own_image``, ``warm``)
import PyTorch and the search inside the functions that compute, not at the top: importing PyTorch
takes over a second, and the page's controls should not wait for it. The warm-up thread (``warm``)
imports it while the page loads. ``tests/test_app.py`` checks that building the dashboard imports no
PyTorch.
"""
