"""Long work off the kernel's main thread, so the page keeps answering while a model samples.

While a job runs, the kernel still handles the user's other clicks: changing the model can clear the
old result at once, and a second Generate is refused politely instead of queued. Each job carries the
``generation`` it started in; the app bumps the generation when the model changes, so a job that
finishes afterwards knows its result belongs to a model no longer shown, and is not drawn.

No ipywidgets import: this is plain threading, testable without a browser.
"""

import threading

from memlab.memory import give_back


class Cancelled(Exception):
    """Raised inside a job (between two sampler steps) whose result nobody will see any more."""


class Jobs:
    """One job at a time, in a background thread (or in the caller's thread when ``background=False``)."""

    def __init__(self, background: bool = True):
        self.background = background
        self.generation = 0  # bumped by ``invalidate``; a job compares it at the end
        self._busy = threading.Lock()
        self.what = ""  # what the running job does, for the polite refusal
        self.thread = None

    @property
    def busy(self) -> bool:
        return self._busy.locked()

    def invalidate(self):
        """Results of jobs started before now must not be shown."""
        self.generation += 1

    def current(self, generation: int) -> bool:
        return generation == self.generation

    def stop_if_abandoned(self, generation: int):
        """Call between steps of a job: raises ``Cancelled`` once the job's result can no longer be shown
        (the model changed), so the next click does not wait for it."""
        if generation != self.generation:
            raise Cancelled

    def start(self, what: str, work) -> bool:
        """Run ``work(generation)``; False (and nothing runs) when another job is still running a
        second from now (the wait covers a job that has drawn its result and is just finishing)."""
        if not self._busy.acquire(timeout=1.0):
            return False
        self.what, generation = what, self.generation

        def run():
            try:
                work(generation)
            finally:
                self._busy.release()
                give_back()  # the job's temporaries, kept by the allocator otherwise (memlab.memory)

        if self.background:
            self.thread = threading.Thread(target=run, name=f"memlab: {what}", daemon=True)
            self.thread.start()
        else:
            run()
        return True

    def wait(self, timeout: float | None = None):
        """Block until the running job ends (tests and benchmarks)."""
        if self.thread is not None:
            self.thread.join(timeout)
