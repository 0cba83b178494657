"""Who holds a place on a public dashboard server: one kernel per open dashboard tab, and only while
somebody is there.

Voila starts a Python kernel (~100-220 MB on ONNX Runtime, ~1 GB once it imports PyTorch) for every page request, and Jupyter keeps it until
the idle culler runs, however the page went. On a public server that lets anyone hold every place: an
``<img>`` tag on another site, a crawler or a ``curl`` loop starts kernels that never connect. So the
kernel manager below keeps these rules (each a setting of ``PlacesKernelManager``, docs/deploy.md):

* **a cap** on kernels at once (``max_kernels``); the visitor past it gets the "busy" page (HTTP 503);
* **per address**: at most ``max_per_address`` kernels held and ``starts_per_minute`` started by one
  client address (an IPv6 address's /64 counts as one; HTTP 429 past either); 0 turns a rule off (a
  class behind one school router);
* **a page must connect**: a kernel whose page has not opened its websocket ``connect_timeout``
  seconds after it was sent is shut down;
* **somebody must stay**: a kernel with no websocket for ``disconnected_timeout`` seconds is shut
  down, whatever it is doing (a training run's progress counts as activity for Jupyter's own idle
  culler, so an abandoned run would otherwise hold its place for ever);
* **a dead kernel stays dead**: with ``KernelRestarter.restart_limit = 0`` (voila.json) Jupyter does
  not start an empty kernel under the same id; the page is told "this session ended" instead.

**Voila's pool** (``memlab dashboard --pool-size N``, ``PoolRules``): Voila can keep N kernels started,
the dashboard already built in them, for the next visitors. A pooled kernel has no visitor yet: it is
not counted by the cap (which counts visitors; the pool adds N kernels), never shut down for want of a
page, and started whoever's request made Voila refill the pool. The visitor who is given one is
checked by the same rules first (the cap, both per-address limits), and from then it is an ordinary
place (its page must connect, somebody must stay).

Whenever a kernel goes, however it went, its sockets are closed with that message and the private
folders of its process ("your own image") are deleted here, by the server.

The page handler says who is asking through ``VISIT`` (a context variable: the same request's
coroutine starts the kernel). No ipywidgets here: this module only runs in the server.
"""

import contextvars
import ipaddress
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.web import HTTPError
from traitlets import Float, Integer

from memlab.server import page_secret

# Sent as HTTP reason phrases, so plain ASCII on one line (Voila shows them as the page's heading).
BUSY = (
    "The dashboard is busy: every place is taken. Please try again in a minute "
    "(places free up as other visitors close their tabs)."
)
TOO_MANY_HERE = (
    "Too many dashboard pages are open from your address. Close one of your other "
    "dashboard tabs, or try again in a minute."
)
TOO_FAST = "Too many dashboard pages were opened from your address in the last minute. Please wait a minute."


@dataclass
class Visit:
    """One page request: the client's address, and the kernel started for it (filled in here)."""

    address: str
    kernel_id: str | None = None


VISIT: contextvars.ContextVar[Visit | None] = contextvars.ContextVar("memlab_visit", default=None)


def visitor_key(address: str) -> str:
    """Whom the per-address limits count: an IPv4 address, or an IPv6 address's /64 network (one host
    is usually given a whole /64, so counting single IPv6 addresses would not limit anyone). An
    IPv4-mapped IPv6 address (``::ffff:a.b.c.d``) is the IPv4 visitor it carries."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    ip = getattr(ip, "ipv4_mapped", None) or ip
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)


@dataclass
class Place:
    """What the server knows of one kernel's visitor."""

    address: str | None
    started: float
    page_sent: float | None = None  # when the whole page had been written to the visitor
    last_connected: float | None = None  # last moment a websocket of the page was open
    pid: int | None = None  # the kernel's process, whose private folders go with it
    pooled: bool = False  # in Voila's pool, waiting for a visitor
    left_cleanly: bool = False  # issue 37 (defect 9): its page closed its last socket with 1000/1001


class PlacesKernelManager(AsyncMappingKernelManager):
    """Jupyter Server's kernel manager with the rules of the module docstring.

    Voila uses it through ``--VoilaConfiguration.multi_kernel_manager_class=memlab.server.places.PlacesKernelManager``
    (``memlab.server.serve.voila_command`` sets that and each setting below).
    """

    max_kernels = Integer(0, config=True, help="Most kernels running at once (0: no cap).")
    max_per_address = Integer(4, config=True, help="Most kernels held at once by one client address (0: no limit).")
    starts_per_minute = Integer(
        10, config=True, help="Most kernels one client address may start in 60 s (0: no limit)."
    )
    connect_timeout = Float(60, config=True, help="Seconds after its page was sent within which a page must connect.")
    disconnected_timeout = Float(120, config=True, help="Seconds a kernel may go without any websocket connected.")
    render_timeout = Float(
        360,
        config=True,
        help="Seconds a page may take to render before its kernel is shut down "
        "(voila.json's execution timeout, plus a minute).",
    )
    check_interval = Float(5, config=True, help="Seconds between two checks of every kernel.")
    # issue 37, defect 9 (begin): a closed tab frees its place in seconds, not in disconnected_timeout.
    left_timeout = Float(
        10,
        config=True,
        help="Seconds a kernel is kept after its page closed its last websocket "
        "cleanly (code 1000 or 1001: the tab was closed or left, not a network cut).",
    )

    def socket_closed_cleanly(self, kernel_id: str):
        """Called by the kernel's websocket when the page closed it with 1000/1001 (kernel_socket.on_close):
        the tab went on purpose, so the per-address count should not count it for two more minutes."""
        place = self._places.get(kernel_id)
        if place is not None:  # connected until now, whether or not a check saw it connected
            place.left_cleanly, place.last_connected = True, time.monotonic()

    # issue 37, defect 9 (end)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._places: dict[str, Place] = {}
        self._recent_starts: dict[str, deque] = defaultdict(deque)
        # Visitors admitted whose kernel is not yet a place (being started, or being taken from the pool),
        # by address. They are counted from the moment they are admitted, before any await: otherwise
        # ten requests at once all passed the rules before the first kernel had started.
        self._reserved: Counter = Counter()
        self._checker = None

    # ---- starting ----------------------------------------------------------------------------
    def _refusal(self, address: str | None):
        """The HTTPError for a new visitor's kernel that the rules refuse, or None."""
        # Visitors: every place not waiting in the pool, and those admitted whose place is being made (a
        # kernel Jupyter already lists but not yet a place is one of those: counted once).
        visitors = sum(not place.pooled for place in self._places.values()) + self._reserved.total()
        if self.max_kernels and visitors >= self.max_kernels:
            return HTTPError(503, reason=BUSY)
        if address is None:
            return None
        if self.max_per_address:
            held = sum(place.address == address for place in self._places.values()) + self._reserved[address]
            if held >= self.max_per_address:
                return HTTPError(429, reason=TOO_MANY_HERE)
        if self.starts_per_minute:
            starts = self._recent_starts[address]
            while starts and starts[0] < time.monotonic() - 60:
                starts.popleft()
            if len(starts) >= self.starts_per_minute:
                return HTTPError(429, reason=TOO_FAST)
        return None

    async def start_kernel(self, *, kernel_id=None, **kwargs):
        if kernel_id is not None:  # an existing kernel asked for by id: not a new place
            return await super().start_kernel(kernel_id=kernel_id, **kwargs)
        if (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "True":  # Voila filling its pool: no visitor yet
            kernel_id = await super().start_kernel(**kwargs)
            self._places[kernel_id] = Place(None, time.monotonic(), pid=_pid(self.get_kernel(kernel_id)), pooled=True)
            self._start_checking()
            return kernel_id
        visit, address = self._admit("a kernel")
        try:
            kernel_id = await super().start_kernel(**kwargs)
            self._places[kernel_id] = Place(address, time.monotonic(), pid=_pid(self.get_kernel(kernel_id)))
        finally:
            self._release(address)  # a place now, or no kernel at all
        if visit:
            visit.kernel_id = kernel_id
        self._start_checking()
        return kernel_id

    def _admit(self, what: str):
        """The visitor asking now (``VISIT``) and their address, once the rules give them ``what`` (a
        kernel): the refusal is raised otherwise. The start is counted, and the place reserved at once
        (no await here); the caller gives the reservation back (``_reserved``) when the place exists."""
        visit = VISIT.get()
        address = visitor_key(visit.address) if visit else None
        refusal = self._refusal(address)
        if refusal is not None:
            self.log.warning("Refused %s for %s: %s", what, address, refusal.reason)
            raise refusal
        if address is not None:
            self._recent_starts[address].append(time.monotonic())
        self._reserved[address] += 1
        return visit, address

    def _release(self, address):
        """Give back a reservation of ``_admit``."""
        self._reserved[address] -= 1
        if self._reserved[address] <= 0:
            del self._reserved[address]

    def page_sent(self, kernel_id: str):
        """The page handler has written the whole page: from now its websocket must come."""
        if kernel_id in self._places:
            self._places[kernel_id].page_sent = time.monotonic()

    # ---- checking -------------------------------------------------------------------------------
    def _start_checking(self):
        if self._checker is None:
            from tornado.ioloop import PeriodicCallback

            self._checker = PeriodicCallback(self.check_places, self.check_interval * 1000)
            self._checker.start()

    def why_leave(self, kernel_id: str, now: float) -> str | None:
        """Why this kernel should be shut down now (words for the log), or None to keep it."""
        place = self._places.get(kernel_id)
        if place is None or place.pooled:
            return None
        if self._kernel_connections.get(kernel_id, 0) > 0:
            place.last_connected, place.left_cleanly = now, False  # left_cleanly: issue 37, defect 9
            return None
        if place.last_connected is not None:
            gone = now - place.last_connected
            limit = self.left_timeout if place.left_cleanly else self.disconnected_timeout  # issue 37, defect 9
            return f"no page connected for {gone:.0f} s" if gone > limit else None
        if place.page_sent is not None:
            waited = now - place.page_sent
            return (
                f"its page never connected ({waited:.0f} s after it was sent)"
                if waited > self.connect_timeout
                else None
            )
        rendering = now - place.started
        return f"its page was still rendering after {rendering:.0f} s" if rendering > self.render_timeout else None

    async def check_places(self):
        """Shut down every kernel that nobody holds any more (the rules of the module docstring)."""
        now = time.monotonic()
        for kernel_id in list(self._places):
            reason = self.why_leave(kernel_id, now)
            if reason and kernel_id in self:
                self.log.info("Shutting down kernel %s: %s.", kernel_id, reason)
                try:
                    await self.shutdown_kernel(kernel_id, now=True)
                except Exception:  # already gone: remove_kernel has run
                    self.log.debug("Kernel %s was already gone", kernel_id)

    # ---- leaving ----------------------------------------------------------------------------------
    def remove_kernel(self, kernel_id):
        """Every kernel leaves through here (shut down, culled or dead): tell its page, free its place,
        and delete its process's private folders."""
        kernel = super().remove_kernel(kernel_id)
        place = self._places.pop(kernel_id, None)
        from memlab import private_folder
        from memlab.server import kernel_socket, query_socket

        kernel_socket.close_sockets(kernel_id)
        page_secret.forget(kernel_id)
        query_socket.forget(kernel_id)
        if place is not None and place.pid is not None:
            private_folder.remove_folders_of(place.pid)
        return kernel


class PoolRules:
    """The rules for kernels from Voila's pool (module docstring). Voila builds its pooled kernel manager
    over ``PlacesKernelManager``; ``add_pool_rules`` puts this class in front of it, where a visitor is
    given a pooled kernel (``get_rendered_notebook``)."""

    def get_pool_size(self, notebook_name: str) -> int:
        """Pooled kernels ready now: Voila gives one only if one is (else it starts a kernel as without a
        pool). A pooled kernel that has died meanwhile is dropped, and the pool refilled."""
        pool = self._pools.get(notebook_name, [])
        for task in [t for t in pool if t.done()]:
            if task.cancelled() or task.exception() is not None or task.result()["kernel_id"] not in self:
                pool.remove(task)
                self.log.warning("Dropped a pooled kernel that is gone; refilling the pool.")
                self.fill_if_needed(notebook_name=notebook_name)
        return sum(task.done() for task in pool[:1])  # Voila takes the first one

    async def get_rendered_notebook(self, notebook_name: str, **kwargs):
        visit, address = self._admit("a pooled kernel")
        try:
            render_task, rendered, kernel_id = await super().get_rendered_notebook(notebook_name, **kwargs)
            if kernel_id in self._places:
                place = self._places[kernel_id]
                place.address, place.pooled, place.started = address, False, time.monotonic()
        finally:
            self._release(address)
        if visit:
            visit.kernel_id = kernel_id
        return render_task, rendered, kernel_id


def add_pool_rules(manager):
    """Apply ``PoolRules`` to Voila's pooled kernel manager (``memlab.server.serve`` does, when the pool is on)."""
    manager.__class__ = type("PooledPlacesKernelManager", (PoolRules, type(manager)), {})


def _pid(kernel_manager) -> int | None:
    """The process id of a kernel (None when it has none, or it is not a local process)."""
    return getattr(getattr(kernel_manager, "provisioner", None), "pid", None)
