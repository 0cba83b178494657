"""The websocket between a dashboard page and its kernel, guarded for a public server.

Voila's handler (``VoilaKernelWebsocketHandler``, over Jupyter Server's) passes what a page sends to the
kernel and what the kernel says back to the page. On the way in, Jupyter Server's v1 parser and Voila's
header reader trust the numbers inside a frame, so one crafted frame freezes the whole server; on the
way out, a kernel's error output (tracebacks with the server's paths) reaches the page. This handler:

1. accepts only connections that negotiate the v1 protocol (``frames.PROTOCOL``) that Voila's own page
   speaks: the older protocol's messages are what Voila's header reader misreads;
2. checks every frame from the page (``frames.check_frame``) before anything else reads it, and closes
   the connection (code 1008, "policy violation") at the first one that does not fit its own length, is
   not a message type a dashboard page sends, or opens a comm other than ipywidgets' control comm (a
   page that could open widget comms could make the kernel build widgets until memory runs out);
   at most ``MAX_SOCKETS_PER_KERNEL`` websockets per kernel (each holds server file descriptors);
3. drops, on the way out, what only a programmer should read: ``error`` messages and ``stderr`` output
   (the app shows its own errors in plain words), and Voila's ``execute_input`` echo;
4. closes the page's sockets with ``SESSION_ENDED`` when the kernel goes (``memlab.server.places`` calls
   ``close_sockets``), which the page's script turns into "This session ended; reload the page".
"""

from collections import defaultdict

from tornado import web
from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

from memlab.server.frames import PROTOCOL, FrameError, check_frame, json_object, split_frame

SESSION_ENDED = 4001          # a private close code (4000-4999): the page shows its "session ended" words
POLICY_VIOLATION = 1008       # RFC 6455: the message broke the server's rules
MAX_SOCKETS_PER_KERNEL = 4    # a page opens one (and a second while it reconnects); each costs the server ~9 files

_open = defaultdict(set)      # kernel id -> its open handlers


def close_sockets(kernel_id: str):
    """Close every websocket of a kernel that has gone, telling each page that its session ended."""
    for handler in list(_open.pop(kernel_id, ())):
        handler.close(SESSION_ENDED, "This session ended; reload the page.")


def hidden_from_page(frame) -> bool:
    """True for a kernel message the page must not get (see the module docstring, point 3)."""
    try:
        parts = split_frame(frame)
        msg_type = json_object(parts[1], "header").get("msg_type")
        if msg_type == "stream":
            return json_object(parts[4], "content").get("name") == "stderr"
    except (FrameError, IndexError):
        return True              # the server wrote it, so this cannot happen; if it does, keep it here
    return msg_type in ("error", "execute_input")


class GuardedKernelWebsocketHandler(VoilaKernelWebsocketHandler):
    """Voila's kernel websocket with the checks of the module docstring."""

    _refused = False

    async def get(self, kernel_id):
        offered = [p.strip() for p in self.request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
        if PROTOCOL not in offered:
            self.log.warning("Refused a kernel websocket from %s: no %s protocol", self.request.remote_ip, PROTOCOL)
            raise web.HTTPError(400, reason=f"Only the {PROTOCOL} protocol is served here.")
        if len(_open.get(kernel_id, ())) >= MAX_SOCKETS_PER_KERNEL:
            self.log.warning("Refused a kernel websocket from %s: %d already open", self.request.remote_ip,
                             MAX_SOCKETS_PER_KERNEL)
            raise web.HTTPError(429, reason="Too many connections to this session.")
        await super().get(kernel_id)

    async def open(self, kernel_id):
        _open[kernel_id].add(self)
        # Send each message as soon as it is written. Tornado leaves Nagle's algorithm on, so a message
        # written while the page had not yet acknowledged the previous one waited for that acknowledgement,
        # which the page delays up to 40 ms: most clicks waited that long once (benchmarks/browser.py).
        self.set_nodelay(True)
        await super().open(kernel_id)

    def on_message(self, message):
        if self._refused:
            return
        try:
            check_frame(message, self.kernel_manager.allowed_message_types or None)
        except FrameError as err:
            self._refused = True
            self.log.warning("Closed a kernel websocket from %s: %s", self.request.remote_ip, err)
            self.close(POLICY_VIOLATION, "Malformed message.")
            return
        super().on_message(message)

    def on_close(self):
        _open.get(self.kernel_id, set()).discard(self)
        super().on_close()

    def write_message(self, message, binary=False):
        if isinstance(message, bytes) and hidden_from_page(message):
            return None
        # Past Voila's own filter (its header reader is what point 3 replaces), to Jupyter Server's.
        return super(VoilaKernelWebsocketHandler, self).write_message(message, binary)
