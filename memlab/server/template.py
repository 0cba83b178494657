"""The dashboard's page without a CDN: Voila's "lab" template loads Font Awesome (the icons' font) from
cdn.jsdelivr.net, which fails offline (two console errors, icons missing). memlab ships a template,
``memlab/static/voila/templates/memlab``, identical but for those two links, which point at the copy
of Font Awesome 5.15.4 (Free, its licence beside it) in the template's ``static/`` folder.

Voila finds templates on ``JUPYTER_PATH``: ``memlab.server.serve`` adds ``TEMPLATE_ROOT`` there and asks for
``TEMPLATE`` (so `memlab dashboard`, the browser tests and the benchmarks all get it). The template also
carries the page's own short script (the "session ended" words, the upload size check) and Voila's
error page without its CDN stylesheet.
"""

from pathlib import Path

TEMPLATE = "memlab"
TEMPLATE_ROOT = Path(__file__).resolve().parents[1] / "static"  # holds voila/templates/memlab
