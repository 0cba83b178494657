"""Build, before the first click, what a model's first click would otherwise wait for.

A model's first Generate in a fresh kernel used to take seconds: loading its weights, building the
search index of its training images, loading the classifier, and measuring the natural baseline
(2 000 unseen test images searched like a sample). ``Warmer`` does this in a background thread as
soon as the dashboard opens, the chosen model first; choosing another model moves it to the front.
The dashboard's controls are drawn before the engine that runs the networks is imported (ONNX Runtime in a
dashboard kernel, PyTorch elsewhere), so the warm-up thread imports it first, while the page loads
(``import_engine``).

Everything warmed lives in the model's own object (``zoo.open(id, engine)``: its network, its training set's
index and baselines), so a click simply finds it there. ``COMPUTE`` is held around each
warm-up step and around each click's work, so the two never build the same thing twice at once.
"""

import threading

from memlab import zoo
from memlab.memory import give_back

COMPUTE = threading.Lock()
_warmed: set[tuple] = set()  # (model id, engine) already warmed in this kernel


def warm_model(model_id: str, engine: str = "torch"):
    """Open everything a click on ``model_id`` reads: its network (run once, one step), its training set's
    search index, the classifier (run once) and the natural baseline of every scope. Computes nothing a
    click computes: searching a warm-up sample would cost more than all of this (a one-step sample is
    noise, which the exact search compares with nearly every training image: ~0.4 CPU-s per model,
    measured), and a kernel per visitor pays its warm-up once per visitor. Does nothing for a model that
    is not trained."""
    model = zoo.open(model_id, engine)
    if (model_id, engine) in _warmed or not model.is_trained:
        return
    from memlab.judging.nearest import SCOPES

    model.sample(1, 0, steps=1) if "steps" in model.options else model.sample(1, 0)
    saw = model.saw  # the index: memory-mapped from the disk cache
    model.classifier.predict(saw.image(int(saw.index.indices[0]))[None])
    for scope in SCOPES:
        model.baseline(scope)
    _warmed.add((model_id, engine))


def import_engine(engine: str):
    """Import the engine that runs the networks, and the search (over a second; the dashboard's controls
    need none of them, so they are drawn first)."""
    from memlab import judgement  # noqa: F401
    from memlab.models.engine import import_engine

    import_engine(engine)


class Warmer:
    """Warms the models the user picks, one by one in a daemon thread, the latest pick first.

    Only picked models are warmed: a kernel holds only what its visitor used (with ONNX Runtime, a
    dashboard kernel that has used every model holds ~260 MB RSS, of which ~170 MB are shared
    memory-mapped data and libraries: ``python benchmarks/dashboard.py --rss-only``)."""

    def __init__(self, model_ids=(), engine: str = "torch"):
        self.queue, self.engine = list(model_ids), engine
        self.errors = {}  # model id -> exception text (shown only if asked)
        self._lock = threading.Lock()
        self.thread = None

    def start(self):
        with self._lock:
            if self.queue and (self.thread is None or not self.thread.is_alive()):
                self.thread = threading.Thread(target=self._run, name="memlab: warm-up", daemon=True)
                self.thread.start()
        return self

    def prefer(self, model_id: str):
        """Warm ``model_id`` next (the user just chose it)."""
        with self._lock:
            if model_id in self.queue:
                self.queue.remove(model_id)
            if (model_id, self.engine) not in _warmed:
                self.queue.insert(0, model_id)
        return self.start()

    def _next(self):
        with self._lock:
            return self.queue.pop(0) if self.queue else None

    def _run(self):
        # Outside COMPUTE: a click made meanwhile starts at once (it waits only for the imports it needs)
        # and goes before warming the first model, which it would otherwise wait for.
        try:
            import_engine(self.engine)
        except Exception as err:  # a broken install: the click will say so itself
            self.errors["import"] = str(err)
            return
        while (model_id := self._next()) is not None:
            try:
                with COMPUTE:
                    warm_model(model_id, self.engine)
            except Exception as err:  # a missing dataset or model: the click will say so itself
                self.errors[model_id] = str(err)
        give_back()  # what opening the models needed only for a moment (memlab.memory)

    def wait(self, timeout: float | None = None):
        if self.thread is not None:
            self.thread.join(timeout)
