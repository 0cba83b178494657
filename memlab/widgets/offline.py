"""The dashboard's page without a CDN: Voila's "lab" template loads Font Awesome (the icons' font) from
cdn.jsdelivr.net, which fails offline (two console errors, icons missing). memlab ships a template,
``memlab/static/voila/templates/memlab``, identical but for those two links, which point at the copy
of Font Awesome 5.15.4 (Free, its licence beside it) in the template's ``static/`` folder.

Voila finds templates on ``JUPYTER_PATH``; ``with_offline_template`` adds the folder there and asks
for the template. Used by ``memlab dashboard``, the browser tests and the browser benchmark.
"""

import os
from pathlib import Path

TEMPLATE = "memlab"
TEMPLATE_ROOT = Path(__file__).resolve().parents[1] / "static"   # holds voila/templates/memlab


def with_offline_template(command: list[str], env: dict | None = None) -> tuple[list[str], dict]:
    """A Voila command line and environment that render the page with memlab's offline template."""
    env = dict(os.environ if env is None else env)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(TEMPLATE_ROOT), env.get("JUPYTER_PATH")) if p)
    return command + [f"--template={TEMPLATE}"], env
