"""What one connection may hold (``memlab.server.connections``, issue 36, finding 4), without a server: the
log filter that holds back a repeated line, the open-file limit, and the HTTP server's time limits. The
same against a real server and 1 100 half-open connections: tests/server/test_public_server_round2.py."""

import logging
import resource
import subprocess
import sys

from memlab.server.connections import OncePerInterval, http_server_settings


def test_a_line_repeated_in_a_loop_is_logged_once_per_interval_with_a_count():
    logger = logging.getLogger("memlab-test-quiet")
    logger.propagate = False
    seen = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())
    logger.addHandler(handler)
    quiet = OncePerInterval(interval_s=3600)
    logger.addFilter(quiet)
    try:

        def accept_fails():  # an accept loop failing "too many open files"
            try:
                raise OSError(24, "Too many open files")
            except OSError:
                logger.error("Exception in callback BaseAsyncIOLoop._handle_events(12, 1)", exc_info=True)

        for _ in range(10_000):
            accept_fails()
        logger.warning("another message")
        assert seen == ["Exception in callback BaseAsyncIOLoop._handle_events(12, 1)", "another message"]
        quiet.interval_s = 0  # the interval is over: the next says what was held back
        accept_fails()
        assert "[9999 more like this" in seen[-1], seen[-1]
    finally:
        logger.removeHandler(handler)
        logger.removeFilter(quiet)


def test_the_server_raises_its_open_file_limit_to_the_hard_limit():
    """In a child process started at 1 024 files (hard limit 4 096), as `prlimit` would."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    code = (
        "import resource; from memlab.server.connections import raise_open_file_limit; "
        "raise_open_file_limit(); print(resource.getrlimit(resource.RLIMIT_NOFILE)[0])"
    )
    limit = min(4096, hard)

    def lower():
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, limit), limit))

    out = subprocess.run([sys.executable, "-c", code], preexec_fn=lower, capture_output=True, text=True, check=True)
    assert int(out.stdout) == limit


def test_a_connection_has_seconds_not_an_hour_to_send_its_headers():
    settings = http_server_settings()
    assert 0 < settings["idle_connection_timeout"] <= 60 and 0 < settings["body_timeout"] <= 120
    from tornado.httpserver import HTTPServer
    from tornado.web import Application

    server = HTTPServer(Application(), **settings)  # Tornado uses the idle timeout for the headers too
    assert server.conn_params.header_timeout == settings["idle_connection_timeout"]
