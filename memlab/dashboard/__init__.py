"""The user interface: ``app`` (the dashboard: pick a model, generate, see the verdict) and ``widgets``
(every widget piece, for the dashboard and the lessons). The only folder that imports ipywidgets.

May import: every layer below it (``memlab.teaching``, ``memlab.analyses``, ``memlab.zoo``, ...).
Nothing imports it but the notebooks and ``memlab.server``'s kernels.
"""
