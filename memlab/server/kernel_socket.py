"""The websocket between a dashboard page and its kernel, guarded for a public server.

Voila's handler (``VoilaKernelWebsocketHandler``, over Jupyter Server's) passes what a page sends to the
kernel and what the kernel says back to the page. On the way in, Jupyter Server's v1 parser and Voila's
header reader trust the numbers inside a frame, so one crafted frame freezes the whole server; on the
way out, a kernel's error output (tracebacks with the server's paths) reaches the page. This handler:

1. accepts only connections that negotiate the v1 protocol (``frames.PROTOCOL``) that Voila's own page
   speaks: the older protocol's messages are what Voila's header reader misreads;
2. checks every frame from the page (``frames.check_frame``) before anything else reads it, and closes
   the connection (code 1008, "policy violation") at the first one that does not fit its own length, is
   not on a channel or of a message type a dashboard page sends, has JSON parts too large or too deeply
   nested to parse at once, or opens a comm other than ipywidgets' control comm (a page that could open
   widget comms could make the kernel build widgets until memory runs out); at most
   ``MAX_SOCKETS_PER_KERNEL`` websockets per kernel (each holds server file descriptors);
   and at most ``SEND_BUDGET_BYTES`` sent per ``SEND_WINDOW_S`` to one kernel, by all its websockets
   together (``SendBudget``: reconnecting does not refill it). Tornado learns a frame's length from its
   first bytes, so a frame larger than what the budget has left is refused there (code 1009), before
   the server reads it: reading 10 MB frames from reconnecting sockets kept the event loop busy;
3. drops, on the way out, what only a programmer should read: ``error`` messages and ``stderr`` output
   (the app shows its own errors in plain words), and Voila's ``execute_input`` echo; every other message
   reaches the page, however many buffers it carries (the server wrote it: a page's limits do not apply);
4. closes the page's sockets with ``SESSION_ENDED`` when the kernel goes (``memlab.server.places`` calls
   ``close_sockets``), which the page's script turns into "This session ended; reload the page".
"""

import json
import time
from collections import defaultdict

from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from memlab.data.image_files import WEBSOCKET_LIMIT_BYTES
from memlab.server.frames import PROTOCOL, FrameError, check_frame, frame_part

SESSION_ENDED = 4001  # a private close code (4000-4999): the page shows its "session ended" words
POLICY_VIOLATION = 1008  # RFC 6455: the message broke the server's rules
MAX_SOCKETS_PER_KERNEL = 4  # a page opens one (and a second while it reconnects); each costs the server ~9 files

# What a kernel may be sent (by all its websockets together): three uploads of the largest size at once
# (an upload is one message of up to WEBSOCKET_LIMIT_BYTES; every other message a page sends is a few
# hundred bytes), then one every 20 s. A page sends a few kB a minute; forty 10 MB frames in 12 s grew a kernel
# by 66 MB (shell), and 10 MB frames from four reconnecting sockets kept every other visitor waiting.
SEND_BUDGET_BYTES = 3 * WEBSOCKET_LIMIT_BYTES
SEND_WINDOW_S = 60

_open = defaultdict(set)  # kernel id -> its open handlers
_budgets = {}  # kernel id -> its SendBudget (forgotten once full again: a new one is the same)


def close_sockets(kernel_id: str):
    """Close every websocket of a kernel that has gone, telling each page that its session ended."""
    for handler in list(_open.pop(kernel_id, ())):
        handler.close(SESSION_ENDED, "This session ended; reload the page.")


def hidden_from_page(frame) -> bool:
    """True for a kernel message the page must not get (see the module docstring, point 3). Only the
    header is read (and a ``stream`` message's content); the buffers, however many, are not looked at."""
    try:
        msg_type = json.loads(frame_part(frame, 1)).get("msg_type")
        if msg_type == "stream":
            return json.loads(frame_part(frame, 4)).get("name") == "stderr"
    except (FrameError, ValueError, AttributeError):
        return True  # the server wrote it, so this cannot happen; if it does, keep it here
    return msg_type in ("error", "execute_input")


class SendBudget:
    """The bytes one websocket may still send: a bucket of ``capacity`` bytes that refills at
    ``capacity / window_s`` bytes a second (a token bucket), so a burst up to ``capacity`` passes and a
    steady stream is held to the refill rate.

    Args:
        capacity: the most bytes sent at once (and in any ``window_s`` seconds, after a full bucket).
        window_s: seconds to refill an empty bucket.
        clock: seconds, increasing (``time.monotonic``; a test passes its own).
    """

    def __init__(self, capacity=SEND_BUDGET_BYTES, window_s=SEND_WINDOW_S, clock=time.monotonic):
        self.capacity, self.rate, self.clock = capacity, capacity / window_s, clock
        self.left, self.last = capacity, clock()

    def available(self) -> float:
        """The bytes in the bucket now."""
        now = self.clock()
        self.left = min(self.capacity, self.left + (now - self.last) * self.rate)
        self.last = now
        return self.left

    def spend(self, size: int) -> bool:
        """Take ``size`` bytes from the bucket; False (and nothing taken) when there are not enough."""
        if size > self.available():
            return False
        self.left -= size
        return True


def send_budget(kernel_id: str) -> SendBudget:
    """The budget of a kernel, shared by all its websockets; budgets full again are forgotten first."""
    for full in [k for k, budget in _budgets.items() if k != kernel_id and budget.available() >= budget.capacity]:
        del _budgets[full]
    return _budgets.setdefault(kernel_id, SendBudget())


class GuardedKernelWebsocketHandler(VoilaKernelWebsocketHandler):
    """Voila's kernel websocket with the checks of the module docstring."""

    _refused = False

    @property
    def max_message_size(self) -> int:
        """The largest frame this websocket may send: Tornado reads it once, when the connection opens,
        and closes the connection (1009) at a longer frame's header, before reading it. At most the
        websocket limit (``websocket_max_message_size``), and never more than the kernel's budget has left."""
        return min(super().max_message_size, int(send_budget(self.kernel_id).available()))

    _counted_for = None  # the kernel id under which ``_open`` counts this handler (from ``get``)

    async def get(self, kernel_id):
        offered = [p.strip() for p in self.request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
        if PROTOCOL not in offered:
            self.log.warning("Refused a kernel websocket from %s: no %s protocol", self.request.remote_ip, PROTOCOL)
            return self._refuse_upgrade(400, f"Only the {PROTOCOL} protocol is served here.")
        if len(_open.get(kernel_id, ())) >= MAX_SOCKETS_PER_KERNEL:
            self.log.warning(
                "Refused a kernel websocket from %s: %d already open", self.request.remote_ip, MAX_SOCKETS_PER_KERNEL
            )
            return self._refuse_upgrade(429, "Too many connections to this session.")
        # Counted from the request's arrival, before the first await (memlab, issue 36: counted only
        # once open, a hundred opens at once got 19 sockets). Only the page given this kernel gets here:
        # memlab.server.page_secret checks its secret first (``prepare``).
        self._counted_for = kernel_id
        _open[kernel_id].add(self)
        try:
            await super().get(kernel_id)
        finally:
            if self.ws_connection is None:  # refused, or closed already: it holds nothing
                self._uncount()

    def _refuse_upgrade(self, status: int, reason: str):
        """Answer the upgrade request with ``status`` in a few bytes. (Raised as an HTTPError, it logged
        three tracebacks: Jupyter's error page cannot be drawn for a websocket handler.)"""
        self.set_status(status, reason=reason)
        self.finish(reason)

    def _uncount(self):
        """This handler no longer holds one of its kernel's websocket places."""
        handlers = _open.get(self._counted_for)
        if handlers is not None:
            handlers.discard(self)
            if not handlers:
                _open.pop(self._counted_for, None)

    async def open(self, kernel_id):
        # Send each message as soon as it is written. Tornado leaves Nagle's algorithm on, so a message
        # written while the page had not yet acknowledged the previous one waited for that acknowledgement,
        # which the page delays up to 40 ms: most clicks waited that long once (benchmarks/browser.py).
        self.set_nodelay(True)
        await super().open(kernel_id)

    def on_message(self, message):
        if self._refused:
            return
        if not send_budget(self.kernel_id).spend(len(message)):
            self._refuse(f"more than {SEND_BUDGET_BYTES:,} bytes in {SEND_WINDOW_S} s", "Too much data sent.")
            return
        try:
            check_frame(message, self.kernel_manager.allowed_message_types or None)
        except FrameError as err:
            self._refuse(str(err), "Malformed message.")
            return
        super().on_message(message)

    def _refuse(self, why: str, reason: str):
        """Close this websocket (1008) at its first frame that breaks a rule; later frames are ignored."""
        self._refused = True
        self.log.warning("Closed a kernel websocket from %s: %s", self.request.remote_ip, why)
        self.close(POLICY_VIOLATION, reason)

    def on_close(self):
        if self.close_code in (1000, 1001):  # issue 37, defect 9: the page closed it on purpose (tab closed)
            getattr(self.kernel_manager, "socket_closed_cleanly", lambda _: None)(self.kernel_id)
        self._uncount()
        super().on_close()

    def write_message(self, message, binary=False):
        if isinstance(message, bytes) and hidden_from_page(message):
            return None
        # Past Voila's own filter (its header reader is what point 3 replaces), to Jupyter Server's.
        return super(VoilaKernelWebsocketHandler, self).write_message(message, binary)
