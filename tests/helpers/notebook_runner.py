"""Run a lesson notebook once per test session, in quick mode, and read what it produced.

    from notebook_runner import run_notebook

    lesson = run_notebook("02-training")          # executes once; later calls reuse the live kernel
    student = run_notebook("student/02-training")  # the student version (no solutions)
    assert lesson.value("card['loss_final'] < card['loss_first']")
    assert "perfect copy" in lesson.text()

Each notebook runs top to bottom with ``MEMLAB_QUICK=1`` and ``MPLBACKEND=Agg``, through nbclient, in a
fresh temporary folder (so nothing it writes lands in the repository). Its kernel stays alive until the
test session ends: ``Executed.value(expr)`` evaluates an expression in it and returns the result through
JSON (numbers, strings, lists, dicts). A notebook that fails raises ``NotebookFailed`` naming the cell and
its error, at every call, without running it again.
"""

import atexit
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbclient
import nbformat
from jupyter_client import BlockingKernelClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
CELL_TIMEOUT_S = 600
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class NotebookFailed(RuntimeError):
    """A notebook raised in one of its cells, or an expression failed in its kernel."""


@dataclass
class Executed:
    """One executed notebook, its kernel still running."""

    name: str  # e.g. "02-training"
    notebook: nbformat.NotebookNode  # the executed notebook, outputs included
    seconds: float  # wall time of the whole run
    folder: Path  # the temporary working folder the kernel ran in
    _client: nbclient.NotebookClient = field(repr=False)
    _kc: BlockingKernelClient | None = field(default=None, repr=False)

    @property
    def code_cells(self) -> list:
        return [c for c in self.notebook.cells if c.cell_type == "code"]

    @property
    def outputs(self) -> list[list]:
        """Every code cell's outputs, in order (one list per code cell)."""
        return [list(c.get("outputs", [])) for c in self.code_cells]

    def text(self) -> str:
        """All printed text and plain-text results of the notebook, joined."""
        parts = []
        for outputs in self.outputs:
            for out in outputs:
                if out.output_type == "stream":
                    parts.append(out.text)
                elif "data" in out and "text/plain" in out.data:
                    parts.append(out.data["text/plain"])
        return "\n".join(parts)

    def count(self, mime: str) -> int:
        """How many outputs carry ``mime`` (e.g. ``"image/png"`` or ``WIDGET_VIEW``)."""
        return sum(mime in out.get("data", {}) for outputs in self.outputs for out in outputs)

    def _kernel(self) -> BlockingKernelClient:
        if self._kc is None:
            self._kc = BlockingKernelClient()
            self._kc.load_connection_info(self._client.km.get_connection_info())
            self._kc.start_channels()
            self._kc.wait_for_ready(timeout=60)
        return self._kc

    def value(self, expr: str, timeout: float = CELL_TIMEOUT_S):
        """Evaluate ``expr`` in the notebook's kernel and return its value (it must be JSON-able)."""
        code = f"import json as _nb_json\nprint(_nb_json.dumps({expr}))"
        printed, errors = [], []

        def collect(msg):
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream" and content["name"] == "stdout":
                printed.append(content["text"])
            elif kind == "error":
                errors.append(f"{content['ename']}: {content['evalue']}")

        reply = self._kernel().execute_interactive(code, output_hook=collect, timeout=timeout)
        if reply["content"]["status"] != "ok" or errors:
            raise NotebookFailed(f"{self.name}: evaluating {expr!r} failed: {'; '.join(errors) or reply}")
        return json.loads("".join(printed).strip().splitlines()[-1])

    def shutdown(self):
        if self._kc is not None:
            self._kc.stop_channels()
        if self._client.km is not None:
            self._client._cleanup_kernel()
        shutil.rmtree(self.folder, ignore_errors=True)


_executed: dict[str, Executed | NotebookFailed] = {}


def notebook_path(name: str) -> Path:
    """``notebooks/NAME.ipynb``, or ``student/NAME.ipynb`` for ``"student/NAME"`` (the student version that
    ``python -m memlab.teaching.versions`` makes); ``name`` may omit the extension."""
    folder = NOTEBOOKS.parent if "/" in name else NOTEBOOKS
    path = folder / (name if name.endswith(".ipynb") else name + ".ipynb")
    if not path.is_file():
        raise FileNotFoundError(f"No notebook {path}; have: {', '.join(p.stem for p in NOTEBOOKS.glob('*.ipynb'))}")
    return path


def run_notebook(name: str, quick: bool = True) -> Executed:
    """Execute ``notebooks/NAME.ipynb`` (once per session and mode) and return it with its live kernel."""
    path = notebook_path(name)
    key = f"{path.parent.name}/{path.stem}{'' if quick else ':full'}"
    if key not in _executed:
        _executed[key] = _execute(path, quick)
    result = _executed[key]
    if isinstance(result, NotebookFailed):
        raise result
    return result


def _execute(path: Path, quick: bool) -> Executed | NotebookFailed:
    folder = Path(tempfile.mkdtemp(prefix=f"memlab-{path.stem}-"))
    env = dict(os.environ, MPLBACKEND="Agg", PYDEVD_DISABLE_FILE_VALIDATION="1")
    env.setdefault("OMP_NUM_THREADS", "1")  # the test machine is shared: one thread is kinder (and faster there)
    env.pop("MEMLAB_QUICK", None)
    if quick:
        env["MEMLAB_QUICK"] = "1"
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    start = time.perf_counter()
    try:
        client.execute(cleanup_kc=False, env=env)
    except Exception as err:  # a failing cell, a timeout, a dead kernel
        if client.km is not None:
            client._cleanup_kernel()
        return NotebookFailed(f"{path.name} failed in quick={quick} mode:\n{err}")
    return Executed(path.stem, notebook, time.perf_counter() - start, folder, client)


@atexit.register
def _shutdown_all():
    for result in _executed.values():
        if isinstance(result, Executed):
            result.shutdown()
    _executed.clear()
