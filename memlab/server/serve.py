"""Serving the dashboard to the public: the Voila server behind `memlab dashboard`.

Voila starts one Python kernel per open dashboard tab. On a public server anyone can send it anything,
so ``memlab.server.serve`` runs Voila (``MemlabVoila``, started as ``python -m memlab.server.serve``) with:

* **the places rules** (``memlab.server.places``): a cap on kernels at once, limits per client address, and
  kernels shut down when their page never connects or has gone (docs/deploy.md has each setting);
* **a guarded kernel websocket** (``memlab.server.kernel_socket``): only the v1 protocol, every frame checked
  before it is parsed, no tracebacks or error output sent to a page;
* **one rule for the visitor's address** (``memlab.server.client_address``): behind ``--behind-proxy``, the
  ``X-Real-IP`` that the proxy on this machine sets, and nothing a visitor wrote;
* **a kernel bound to its page** (``memlab.server.page_secret``): every route that takes a kernel id (its
  websocket, Jupyter's kernel API, Voila's shutdown and query routes) asks for the secret cookie given to
  the page that started it; Voila's query socket bounded and forgotten with its kernel
  (``memlab.server.query_socket``);
* **connections that cannot hold the server** (``memlab.server.connections``): a time limit for a request's
  headers and body, the open-file limit raised, repeated log lines held back;
* **short 404s** for routes a dashboard does not use (``/logout``, ``/voila/templates/`` outside a template's
  ``static`` folder), which answered with tracebacks;
* **security headers on every answer** (``SecurityHeaders``): no ``Server`` version, a content security
  policy that allows what the page uses and nothing from elsewhere, no referrer, no MIME sniffing;
* **a lighter kernel** (``memlab.server.dashboard_kernel``): ipykernel without its debugger, forked from one
  process that imported its modules once (``memlab.server.kernel_parent``, ``memlab.server.fork_provisioner``), so
  every visitor's kernel shares those pages;
* **idle culling** and a hidden traceback from ``voila.json``, and memlab's offline page template
  (``memlab.server.template``: no CDN, so the "busy" page works offline too).

No ipywidgets here: this module only configures the server.
"""

import os
import sys
from pathlib import Path

from memlab.server.client_address import client_address  # noqa: F401 (the page handler's, and tests')

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = "notebooks/dashboard.ipynb"  # relative to REPO, where voila.json lives

# Memory per dashboard kernel (ONNX Runtime, no PyTorch, forked by memlab.server.kernel_parent), measured on 6 Dec
# 2026: in a class of 10-40 the median kernel holds ~46-52 MB counted by PSS (benchmarks/crowd.py,
# docs/benchmarks.md: the parent's modules, the memory-mapped data and the libraries are shared); alone, a
# kernel that has used every model holds ~158 MB RSS, ~117 MB PSS, ~48 MB of its own (`python benchmarks/kernel.py`). A
# visitor who trains a model on their own image (or scores membership) imports PyTorch into that kernel:
# ~0.9-1 GB. Plan 500 MB per kernel on average (room for nearly one visitor in two training)
# and keep 1 GB for the Voila server, its kernel parent and ready kernel, and the operating system; with
# many visitors training at once, set --max-kernels lower.
KERNEL_PEAK_MB = 500
RESERVED_MB = 1024

# Voila's pool (``memlab.server.places.PoolRules``): one kernel kept started, the dashboard already built in it, for
# the next visitor: the page comes up in ~2 s instead of ~3 s on 2 cores (docs/deploy.md, measured with
# benchmarks/browser.py). The pool is refilled POOL_REFILL_DELAY_S after a visitor takes its kernel: with
# Voila's 1 s, the new kernel's start competed with that visitor's first click (610-690 ms instead of
# 450-550 ms, measured the same way), and a visitor rarely clicks 10 s on.
DEFAULT_POOL_SIZE = 1
POOL_REFILL_DELAY_S = 10

# What a dashboard page loads: its own scripts (inline ones too: Voila's page writes its configuration
# and progress inline), styles, fonts and images from this server, images the widgets make as data: and
# blob: URLs, and its websocket to this server ('self' covers ws: and wss: to the same host). Nothing
# from another site; no plugins; only this server may frame it (an article that embeds the dashboard in
# an <iframe> needs its own origin added to frame-ancestors). No 'unsafe-eval': the page works without
# it (checked in Chromium: no violation reported, Generate answers).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)


def memory_mb() -> int | None:
    """This machine's physical memory in MB, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError, AttributeError):
        return None


def default_max_kernels(total_mb: int | None = None) -> int:
    """How many dashboard kernels fit in memory: (total - RESERVED_MB) / KERNEL_PEAK_MB, at least 1."""
    total_mb = memory_mb() if total_mb is None else total_mb
    if total_mb is None:
        return 4
    return max(1, (total_mb - RESERVED_MB) // KERNEL_PEAK_MB)


def voila_command(
    port: int,
    ip: str,
    max_kernels: int,
    open_browser: bool = False,
    max_per_address: int | None = None,
    starts_per_minute: int | None = None,
    behind_proxy: bool = False,
    pool_size: int = 0,
    fork_kernels: bool = True,
) -> list[str]:
    """The command line that serves the dashboard (run it from REPO, where voila.json is read).

    Args:
        port: TCP port to listen on.
        ip: address to listen on (127.0.0.1: this machine only; 0.0.0.0: every network interface).
        max_kernels: cap on concurrent dashboard kernels (0: no cap).
        open_browser: open a browser tab on start.
        max_per_address: most kernels one client address holds at once (None: the default, 4; 0: no limit).
        starts_per_minute: most kernels one address starts in a minute (None: the default, 10; 0: no limit).
        behind_proxy: take the visitor's address from a reverse proxy on this machine (the X-Real-IP it
            sets; ``memlab.server.client_address``).
        pool_size: kernels Voila keeps started, the dashboard built, for the next visitors (0: none;
            ``memlab.server.places.PoolRules``).
        fork_kernels: fork each kernel from one process that imported their modules once
            (``memlab.server.kernel_parent``); False: start each as a new Python.
    """
    for name, value in (("--max-per-address", max_per_address), ("--starts-per-minute", starts_per_minute)):
        if value is not None and value < 0:
            raise ValueError(f"{name} {value} is negative: give 0 for no limit.")
    if not 1 <= port <= 65535:
        raise ValueError(f"--port {port} is not a TCP port: choose one from 1 to 65535 (default 8866).")
    if not 0 <= pool_size <= 8:
        raise ValueError(
            f"--pool-size {pool_size} is not from 0 to 8: each pooled kernel holds ~100 MB "
            "while it waits for a visitor."
        )
    if max_kernels < 0:
        raise ValueError(
            f"--max-kernels {max_kernels} is negative: give 0 for no cap, or how many "
            "visitors may use the dashboard at once."
        )
    from importlib.util import find_spec

    if find_spec("voila") is None:
        raise ValueError("Voila is not installed: pip install voila (or run `make dashboard`).")
    if not (REPO / NOTEBOOK).is_file():
        raise ValueError(f"No dashboard notebook at {REPO / NOTEBOOK}: run memlab dashboard from a clone of memlab.")
    from memlab.server.template import TEMPLATE

    places = {"max_kernels": max_kernels, "max_per_address": max_per_address, "starts_per_minute": starts_per_minute}
    return (
        [
            sys.executable,
            "-m",
            "memlab.server.serve",
            NOTEBOOK,
            f"--port={port}",
            f"--Voila.ip={ip}",
            "--VoilaConfiguration.multi_kernel_manager_class=memlab.server.places.PlacesKernelManager",
            "--VoilaConfiguration.kernel_spec_manager_class=memlab.server.dashboard_kernel."
            + ("ForkedDashboardKernelSpecs" if fork_kernels else "DashboardKernelSpecs"),
            f"--template={TEMPLATE}",
        ]
        + [f"--PlacesKernelManager.{name}={value}" for name, value in places.items() if value is not None]
        + (["--MemlabVoila.trusted_proxy=True"] if behind_proxy else [])
        + (
            [
                "--preheat_kernel=True",
                f"--pool_size={pool_size}",
                f"--VoilaKernelManager.fill_delay={POOL_REFILL_DELAY_S}",
            ]
            if pool_size
            else []
        )
        + ([] if open_browser else ["--no-browser"])
    )


def _server():
    """The Voila application with memlab's handlers (imported only in the server's own process)."""
    from jupyter_server.auth.logout import LogoutHandler
    from jupyter_server.services.kernels.handlers import KernelHandler
    from tornado.web import ErrorHandler, HTTPError, OutputTransform
    from traitlets import Bool, Float
    from voila.app import Voila
    from voila.request_info_handler import RequestInfoSocketHandler
    from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
    from voila.static_file_handler import TemplateStaticFileHandler
    from voila.tornado.handler import TornadoVoilaHandler
    from voila.tornado.kernel_websocket_handler import VoilaKernelWebsocketHandler

    from memlab.server import connections, page_secret
    from memlab.server.kernel_socket import GuardedKernelWebsocketHandler
    from memlab.server.places import VISIT, Visit, add_pool_rules
    from memlab.server.query_socket import MAX_QUERY_BYTES, QUERY_TOO_LONG, BoundedQuerySocket

    class SecurityHeaders(OutputTransform):
        """Applied to every answer of the server (pages, static files, errors, websocket upgrades)."""

        def transform_first_chunk(self, status_code, headers, chunk, finishing):
            headers.pop("Server", None)
            headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
            headers["X-Content-Type-Options"] = "nosniff"
            headers["Referrer-Policy"] = "no-referrer"
            return status_code, headers, chunk

    class PageHandler(TornadoVoilaHandler):
        """Voila's page, which starts the visitor's kernel: says who asks (``places.VISIT``) and when
        the page has been sent (from then, its websocket must come)."""

        _visit = None

        async def get(self, path=None):
            if len(self.request.query) > MAX_QUERY_BYTES:  # Voila would keep it (query_socket)
                raise HTTPError(414, reason=QUERY_TOO_LONG)
            visit = self._visit = Visit(client_address(self.request, self.settings.get("memlab_trusted_proxy", False)))
            VISIT.set(visit)
            await super().get(path)
            if visit.kernel_id is not None:
                self.kernel_manager.page_sent(visit.kernel_id)

        def flush(self, *args, **kwargs):
            # The page's first bytes go out once its kernel is known: give the page its secret with them.
            if not self._headers_written and self._visit is not None and self._visit.kernel_id is not None:
                page_secret.issue(self, self._visit.kernel_id)
            return super().flush(*args, **kwargs)

    class TemplateStaticFiles(TemplateStaticFileHandler):
        """Voila's template files, where a path outside ``<template>/static/`` is a 404 (not a traceback)."""

        def parse_url_path(self, path):
            if path.count("/") < 2 or path.split("/", 2)[1] != "static":
                raise HTTPError(404)
            return super().parse_url_path(path)

    class MemlabVoila(Voila):
        """Voila with memlab's page handler, guarded websocket and headers."""

        trusted_proxy = Bool(
            False,
            config=True,
            help="Behind a reverse proxy on this machine: take the "
            "visitor's address from the X-Real-IP it sets (only from loopback).",
        )
        idle_timeout = Float(
            connections.IDLE_TIMEOUT_S,
            config=True,
            help="Seconds a connection has to send its request headers, and may stay idle between requests.",
        )
        body_timeout = Float(connections.BODY_TIMEOUT_S, config=True, help="Seconds to send a request's body.")

        def init_settings(self):
            settings = {**super().init_settings(), "memlab_trusted_proxy": self.trusted_proxy}
            if self.voila_configuration.preheat_kernel:  # the places rules for Voila's pool too
                add_pool_rules(self.kernel_manager)
            return settings

        def init_handlers(self):
            ours = {  # Voila's handler -> memlab's; those of a kernel's routes ask for its page's secret
                VoilaKernelWebsocketHandler: page_secret.guarded(GuardedKernelWebsocketHandler),
                KernelHandler: page_secret.guarded(KernelHandler),
                VoilaShutdownKernelHandler: page_secret.guarded(VoilaShutdownKernelHandler),
                RequestInfoSocketHandler: page_secret.guarded(BoundedQuerySocket),
                TornadoVoilaHandler: PageHandler,
                TemplateStaticFileHandler: TemplateStaticFiles,
            }
            not_found = {LogoutHandler}  # no logins here: Jupyter's logout page logged a traceback
            rules = []
            for pattern, handler, *rest in super().init_handlers():
                if handler in not_found:
                    rules.append((pattern, ErrorHandler, {"status_code": 404}))
                else:
                    rules.append((pattern, ours.get(handler, handler), *rest))
            return rules

        def listen(self):
            self.app.add_transform(SecurityHeaders)
            connections.raise_open_file_limit(self.log)
            connections.quiet_repeated_logs()
            # Voila calls ``self.app.listen(port, ip)``; Tornado passes extra keywords to its HTTPServer.
            listen, limits = self.app.listen, connections.http_server_settings(self.idle_timeout, self.body_timeout)
            self.app.listen = lambda port, address="", **kwargs: listen(port, address, **limits, **kwargs)
            super().listen()

    return MemlabVoila


def main():
    """``python -m memlab.server.serve NOTEBOOK [Voila options]``: what ``voila_command`` runs."""
    from memlab.server.template import TEMPLATE_ROOT

    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(TEMPLATE_ROOT), os.environ.get("JUPYTER_PATH")) if p)
    _server().launch_instance()


if __name__ == "__main__":
    main()
