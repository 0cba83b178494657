"""Voila's pool of ready kernels (`memlab dashboard --pool-size N`) under the public server's rules
(memlab/server/places.py, PoolRules): a real server on loopback with one pooled kernel, behind a "proxy" so
that the test can come from several addresses (X-Real-IP, trusted from loopback only).

A pooled kernel waits for a visitor without being shut down; the visitor who is given one passes the
same rules first (the cap counts visitors, both per-address limits), and from then it is an ordinary
place: its page must connect, somebody must stay. Timeouts are shortened as in test_public_server.py.
"""

import re
import time
import urllib.error
import urllib.request

import pytest
from kernel_client import KernelClient, find_widget, page_cookie, remember_page, results_shown
from servers import REPO, free_port, kernel_id, kernels, server, wait_until

from memlab.server import serve

CONNECT_S, GONE_S, CHECK_S = 30, 12, 1  # 30 s: the cap test's pages must still hold their places
ARTIFACTS = REPO / "test-artifacts" / "public-server"


@pytest.fixture(scope="module")
def dashboard():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    command = serve.voila_command(
        free_port(), "127.0.0.1", max_kernels=3, max_per_address=2, starts_per_minute=3, behind_proxy=True, pool_size=1
    ) + [
        f"--PlacesKernelManager.connect_timeout={CONNECT_S}",
        f"--PlacesKernelManager.disconnected_timeout={GONE_S}",
        f"--PlacesKernelManager.check_interval={CHECK_S}",
    ]
    # refilled 1 s after a visitor takes the ready kernel (memlab waits 10 s): the tests' pages come fast
    command = [re.sub(r"fill_delay=.*", "fill_delay=1", arg) for arg in command]
    with server(command, log=ARTIFACTS / "voila-pool.log") as process:
        yield process


def kernel_ids(process) -> set[str]:
    """The ids of the server's kernels."""
    return {kernel_id(k) for k in kernels(process)}


def only_the_pool_left(process) -> str:
    """Wait until the server holds one kernel, its pooled one, ready; its id."""
    assert wait_until(lambda: len(kernels(process)) == 1, timeout=CONNECT_S + GONE_S + 60), kernel_ids(process)
    time.sleep(3)  # started: its dashboard is being built, then it waits
    (pooled,) = kernel_ids(process)
    return pooled


def open_page(process, address) -> str:
    """GET the dashboard as the visitor at ``address`` (never connecting); its kernel id (its page's
    secret kept for ``KernelClient``)."""
    request = urllib.request.Request(process.url + "/", headers={"X-Real-IP": address})
    with urllib.request.urlopen(request, timeout=180) as response:
        return remember_page(response)


def refused(process, address) -> tuple[int, str]:
    with pytest.raises(urllib.error.HTTPError) as refusal:
        open_page(process, address)
    return refusal.value.code, refusal.value.read().decode()


def test_a_visitor_is_given_the_ready_kernel_and_the_pool_refills(dashboard):
    pooled = only_the_pool_left(dashboard)
    kernel_id = open_page(dashboard, "198.51.100.1")
    assert kernel_id == pooled, "the visitor waited for a new kernel although one was ready"
    assert wait_until(lambda: len(kernel_ids(dashboard) - {pooled}) == 1, timeout=60), "the pool was not refilled"
    # the visitor's page connects and works: the dashboard built ahead answers a Generate
    visitor = KernelClient(dashboard.url, kernel_id)
    generate = find_widget(visitor.widget_states(), "ButtonModel", description="Generate")
    visitor.press(generate)
    assert results_shown(visitor.receive(120, until=lambda m: results_shown([m]) >= 1)) == 1
    visitor.close()
    # the visitor has gone: their place is freed; the pool's new kernel waits, however long
    assert wait_until(lambda: pooled not in kernel_ids(dashboard), timeout=GONE_S + 30), "the place was kept"
    waiting = kernel_ids(dashboard)
    time.sleep(CONNECT_S + GONE_S)
    assert kernel_ids(dashboard) == waiting and len(waiting) == 1, "the pool's kernel was shut down"


def test_the_cap_counts_visitors_and_the_pool_is_not_a_way_round_it(dashboard):
    only_the_pool_left(dashboard)
    open_page(dashboard, "198.51.100.2"), open_page(dashboard, "198.51.100.2")
    wait_until(lambda: len(kernels(dashboard)) == 3, timeout=60)  # two visitors, and the refilled pool
    code, page = refused(dashboard, "198.51.100.2")  # the address's third: refused
    assert code == 429 and "Too many dashboard pages are open from your address" in page
    open_page(dashboard, "198.51.100.3")  # the cap's third visitor
    wait_until(lambda: len(kernels(dashboard)) == 4, timeout=60)
    time.sleep(3)  # the pool's kernel is ready
    code, page = refused(dashboard, "198.51.100.4")  # a ready kernel, but the cap is 3
    assert code == 503 and "busy" in page
    assert len(kernels(dashboard)) == 4  # 3 visitors + the pool's one
    # none of those pages connected: their places are freed, the pool's kernel stays
    assert wait_until(lambda: len(kernels(dashboard)) == 1, timeout=CONNECT_S + 60), "places were kept"


def close_tab(process, kernel_id):
    """What Voila's page sends when its tab closes (with its secret): the kernel is shut down at once."""
    request = urllib.request.Request(
        f"{process.url}/voila/api/shutdown/{kernel_id}", data=b"", method="POST", headers=page_cookie(kernel_id)
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 204


def test_taking_a_ready_kernel_counts_as_a_start(dashboard):
    only_the_pool_left(dashboard)
    first = open_page(dashboard, "198.51.100.5")  # start 1: the ready kernel
    second = open_page(dashboard, "198.51.100.5")  # start 2
    close_tab(dashboard, first), close_tab(dashboard, second)  # it holds no place now
    time.sleep(3)  # the pool is ready again
    open_page(dashboard, "198.51.100.5")  # start 3 (starts_per_minute is 3)
    time.sleep(3)
    code, page = refused(dashboard, "198.51.100.5")  # it holds 1 of 2 places, but a 4th start
    assert code == 429 and "in the last minute" in page
