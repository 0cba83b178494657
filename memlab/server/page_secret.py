"""A dashboard kernel answers the page that started it, and nobody else.

Jupyter's kernel routes take a kernel id as their only credential: whoever knows it may read the kernel's
results, type into its widgets and shut it down (``/api/kernels/<id>/channels``, ``DELETE /api/kernels/<id>``,
``POST /voila/api/shutdown/<id>``, ``/voila/query/<id>``). Ids are random, but they travel in the page, in
logs and in referrers. So when the page handler gives a visitor a kernel, it makes a secret for that page
(``issue``) and sends it in cookies scoped to that kernel's routes: HttpOnly (the page's scripts never
see it), SameSite=Strict (another site's page cannot make the browser send it), one per route prefix (a
cookie's ``Path`` is a prefix, and the routes live under three; a response sets one cookie per name, so each
has its own name). The browser sends it back with the
page's own websocket and API requests, so Voila's page needs no change; every kernel route asks for it
(``PageSecretRequired``) and answers 403 without it. The secret goes with its kernel (``forget``).
"""

import hmac
import secrets

from tornado.log import app_log

# The routes a page uses with its kernel's id, each a prefix followed by the id, and the name of the
# cookie that carries the page's secret there (docs/security.md).
COOKIES = {"/api/kernels/": "memlab_kernel", "/voila/api/shutdown/": "memlab_shutdown", "/voila/query/": "memlab_query"}
NOT_YOUR_PAGE = "This session belongs to another page."

_secrets: dict[str, str] = {}  # kernel id -> the secret of the page it was given to


def issue(handler, kernel_id: str):
    """Make the secret of the page ``handler`` is writing, for its kernel, and set its cookies.

    Args:
        handler: the page's request handler (before its headers are written).
        kernel_id: the kernel that page was given.
    """
    secret = _secrets[kernel_id] = secrets.token_urlsafe(32)
    base = handler.settings.get("base_url", "/").rstrip("/")
    for prefix, name in COOKIES.items():
        handler.set_cookie(
            name,
            secret,
            path=f"{base}{prefix}{kernel_id}",
            httponly=True,
            samesite="Strict",
            secure=handler.request.protocol == "https",
        )


def forget(kernel_id: str):
    """The kernel has gone: its secret opens nothing any more."""
    _secrets.pop(kernel_id, None)


def is_its_page(handler, kernel_id: str) -> bool:
    """True when the request carries the secret of the page that was given ``kernel_id``."""
    expected = _secrets.get(kernel_id)
    if expected is None:
        return False
    sent = [handler.get_cookie(name) or "" for name in COOKIES.values()]
    return any(hmac.compare_digest(value.encode(), expected.encode()) for value in sent)


class PageSecretRequired:
    """Put in front of a handler whose route names a kernel id (``kernel_id``, or its first argument): a
    request without that kernel's page secret gets 403 before the handler does anything (Tornado calls
    ``prepare`` first; Jupyter's own ``prepare`` runs before the check, so its error page can be drawn)."""

    async def prepare(self):
        result = super().prepare()
        if result is not None:
            await result
        kernel_id = self.path_kwargs.get("kernel_id") or (self.path_args[0] if self.path_args else None)
        if kernel_id is None or not is_its_page(self, kernel_id):
            app_log.warning(
                "Refused %s %s from %s: not its page", self.request.method, self.request.path, self.request.remote_ip
            )
            # Answered here, in a few bytes: Jupyter's error pages cannot be drawn by a websocket handler.
            self.set_status(403, reason=NOT_YOUR_PAGE)
            self.finish(NOT_YOUR_PAGE)


def guarded(handler_class):
    """``handler_class`` with ``PageSecretRequired`` in front of it."""
    return type(handler_class.__name__, (PageSecretRequired, handler_class), {})
