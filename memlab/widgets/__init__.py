"""The widget pieces: everything that imports ipywidgets lives here or in ``memlab.app``.

The dashboard (``memlab.app``) and the lessons (``notebooks/``) build from these pieces, so no widget
code is pasted into two places. One file per concern; each piece computes through plain memlab
functions and, run headless (CI, nbconvert), still leaves a readable static result.
"""
