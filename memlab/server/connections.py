"""What one connection may hold on a public server: time, open files, and log lines.

A visitor who opens connections and never finishes a request (slowloris) holds one of the server's open
files each. Tornado waits up to an hour for a request's headers by default, and a process may open 1 024
files by default on most Linux systems: a probe holding 1 100 half-open connections made every page time
out, and the accept loop, failing with "too many open files", logged a traceback per attempt (8.6 M lines,
624 MB in ~100 s). So the server:

1. gives each connection ``IDLE_TIMEOUT_S`` to send its request headers and between two requests
   (Tornado's ``idle_connection_timeout``, which is also its header-read limit), and ``BODY_TIMEOUT_S``
   for a request's body (``body_timeout``);
2. raises its own open-file limit to the hard limit the system allows (``raise_open_file_limit``);
3. lets through one line a ``QUIET_S`` of the same log message (``OncePerInterval``), counting the ones
   it held back, so that a fault repeated in a loop cannot fill the disk.
"""

import logging
import resource
import time

IDLE_TIMEOUT_S = 20  # to send a request's headers, and between two requests on a kept-alive connection
BODY_TIMEOUT_S = 60  # to send a request's body (the dashboard's uploads travel over its websocket)
QUIET_S = 10  # the same log message at most once in this many seconds
QUIETED_LOGGERS = ("asyncio", "tornado.application", "tornado.general")


def http_server_settings(idle_timeout_s: float = IDLE_TIMEOUT_S, body_timeout_s: float = BODY_TIMEOUT_S) -> dict:
    """Keyword arguments for Tornado's ``HTTPServer`` (through ``Application.listen``) that bound how
    long a connection may hold the server without sending a request.

    Args:
        idle_timeout_s: seconds to send the request headers, and between requests (Tornado uses
            ``idle_connection_timeout`` for both; its default is 3 600).
        body_timeout_s: seconds to send a request's body.
    """
    return {"idle_connection_timeout": idle_timeout_s, "body_timeout": body_timeout_s}


def raise_open_file_limit(log=None) -> tuple[int, int]:
    """Raise this process's open-file limit (``RLIMIT_NOFILE``) to its hard limit: each visitor holds
    several files (sockets to the page and to the kernel). Returns the (soft, hard) limits now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError) as err:  # an infinite hard limit, or a system that refuses
            if log:
                log.warning("Could not raise the open-file limit from %d to %s: %s", soft, hard, err)
    if log:
        log.info("Open-file limit: %d", soft)
    return soft, hard


class OncePerInterval(logging.Filter):
    """A log filter that lets the same message through at most once per ``interval_s`` seconds; the next
    one that passes says how many were held back meanwhile.

    Args:
        interval_s: seconds between two lines of the same message.
    """

    def __init__(self, interval_s: float = QUIET_S):
        super().__init__()
        self.interval_s = interval_s
        self._last: dict[tuple, float] = {}  # message -> when it last went through
        self._held: dict[tuple, int] = {}  # message -> how many were held back since

    def filter(self, record: logging.LogRecord) -> bool:
        # The message before its arguments are filled in (asyncio's carries the failing callback, the
        # same each time), and the exception's type: one key per kind of fault.
        error = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        key = (record.name, str(record.msg)[:200], error)
        now = time.monotonic()
        if now - self._last.get(key, -self.interval_s) < self.interval_s:
            self._held[key] = self._held.get(key, 0) + 1
            return False
        self._last[key] = now
        held = self._held.pop(key, 0)
        if held:
            record.msg = f"{record.msg} [{held} more like this in the last {self.interval_s:.0f} s not logged]"
        return True


def quiet_repeated_logs(interval_s: float = QUIET_S) -> OncePerInterval:
    """Put one ``OncePerInterval`` filter on the loggers where a fault in a loop repeats (the event
    loop's, Tornado's); returns it."""
    quiet = OncePerInterval(interval_s)
    for name in QUIETED_LOGGERS:
        logging.getLogger(name).addFilter(quiet)
    return quiet
