"""Voila's ``/voila/query/<kernel id>`` websocket, bounded and forgotten with its kernel.

With a pool of ready kernels (``memlab dashboard --pool-size``), a kernel was started before its visitor
came, so Voila sends it the visitor's request (path, query string, server name) over this websocket once
the page connects, and keeps it in a class-wide cache until then. Voila never empties that cache, nor
limits who connects: a probe's 60 kB query string was kept for ever and read back from another address
after the kernel had gone, and one address held 300 such sockets. Here:

* a page request whose query string is longer than ``MAX_QUERY_BYTES`` is refused (HTTP 414, by the page
  handler in ``memlab.server.serve``): the dashboard takes no query string;
* only the page given the kernel connects (``memlab.server.page_secret``), one socket per kernel;
* the cached request and the socket go with the kernel (``forget``, called by ``memlab.server.places``).
"""

from tornado.web import HTTPError
from voila.request_info_handler import RequestInfoSocketHandler

MAX_QUERY_BYTES = 1024
QUERY_TOO_LONG = f"The address is too long: the dashboard takes at most {MAX_QUERY_BYTES} bytes after its '?'."


class BoundedQuerySocket(RequestInfoSocketHandler):
    """Voila's request-info websocket, one per kernel (its route's secret is checked before ``get``)."""

    async def get(self, kernel_id, *args, **kwargs):
        if kernel_id in RequestInfoSocketHandler._waiters:
            raise HTTPError(429, reason="This session's page is already connected.")
        return await super().get(kernel_id, *args, **kwargs)

    def on_close(self):
        if self in RequestInfoSocketHandler._waiters.values():  # Voila's on_close assumes it is there
            super().on_close()


def forget(kernel_id: str):
    """The kernel has gone: drop the request Voila kept for it, and close its page's socket."""
    RequestInfoSocketHandler._cache.pop(kernel_id, None)
    waiter = RequestInfoSocketHandler._waiters.pop(kernel_id, None)
    if waiter is not None:
        waiter.close()
