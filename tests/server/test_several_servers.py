"""The public dashboard on several servers (issue 39, item 2): two real `memlab dashboard` servers
(``serve.voila_command``, ``--behind-proxy``, a pool of one ready kernel) behind a real nginx configured
as docs/deploy.md's "Several servers" says (its ports changed, no TLS: loopback). Visitors speak to the
servers as the dashboard's page does (``kernel_client``), each from its own loopback address
(127.0.0.x: nginx sees a different visitor in each, as the per-address limits must); one is Chromium.

Shown, in order:
1. one server alone, behind docs/deploy.md's one-server nginx: N visitors, their clicks timed;
2. the same N on two servers: they are shared between the servers, every page's websocket reaches the
   server that started its kernel (and no other server lets it in), and the clicks are timed again;
   with every place taken, the next visitor gets the busy page, and no cookie;
3. the per-address limit is per server: a browser (which keeps the cookie) meets it on its server, a
   client that drops cookies meets it once on each server;
4. a server stops: its visitor's page (Chromium) says "This session ended", its reload lands on the live
   server and answers; the other server's visitor notices nothing;
5. with the servers on other machines (the balancer, then the one-server nginx on each machine with the
   realip lines docs/deploy.md gives), memlab still reads the visitor's address.

Figures (1, 2) go to test-artifacts/several-servers/figures.json and are printed (`make several-servers`).
Every process started here is ended, also when a test fails.
"""

import http.client
import http.cookies
import json
import os
import re
import statistics
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
import websocket
from kernel_client import PAGE_SECRETS, KernelClient, find_widget, page_cookie, remember_page, results_shown
from servers import (
    CHROMIUM,
    NGINX,
    REPO,
    click_generate_and_wait,
    documented_nginx,
    free_port,
    kernels,
    launch_chromium,
    nginx,
    server,
    stop,
    wait_until,
)

from memlab.server import serve
from memlab.server.page_secret import NOT_YOUR_PAGE

if not (REPO / NGINX).exists():
    pytest.skip("needs Debian's nginx (/usr/sbin/nginx)", allow_module_level=True)

ARTIFACTS = REPO / "test-artifacts" / "several-servers"
N = 8  # visitors at once: 4 per server
CLICKS = 3  # Generate presses per visitor, 1 s apart
CAP, PER_ADDRESS = N // 2, 2  # per server: the N visitors fill both servers exactly
ROUTE = "memlab_server"  # docs/deploy.md's cookie that names a visitor's server
OPEN_S, CLICK_S = 240, 120  # bounds for a loaded 2-core machine (quiet: ~1-3 s and under 1 s)


def dashboard_command(port, cap=CAP):
    return serve.voila_command(
        port,
        "127.0.0.1",
        max_kernels=cap,
        max_per_address=PER_ADDRESS,
        starts_per_minute=0,  # the tests start many pages from a few addresses
        behind_proxy=True,
        pool_size=1,
    )


@dataclass
class Page:
    """One dashboard page request through nginx: its status, and when it was given, its kernel."""

    status: int
    text: str = ""
    kernel_id: str | None = None
    route: str | None = None  # the memlab_server cookie nginx set (None: none set)


def open_page_from(url, source, route=None) -> Page:
    """GET the dashboard page from the loopback address ``source``, sending ``route`` as the balancer's
    cookie when given (a browser's second page), as a page's browser would."""
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=OPEN_S, source_address=(source, 0))
    try:
        connection.request("GET", "/", headers={"Cookie": f"{ROUTE}={route}"} if route else {})
        response = connection.getresponse()
        cookies = http.cookies.SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or ():
            cookies.load(header)
        route = cookies[ROUTE].value if ROUTE in cookies else None
        if response.status != 200:
            return Page(response.status, response.read().decode(errors="replace"), route=route)
        return Page(200, kernel_id=remember_page(response), route=route)
    finally:
        connection.close()


def owner(servers, kernel_id):
    """The server holding ``kernel_id``: the one whose kernel API answers its page (another answers 403)."""
    found = []
    for process in servers:
        if process.poll() is not None:
            continue
        request = urllib.request.Request(f"{process.url}/api/kernels/{kernel_id}", headers=page_cookie(kernel_id))
        try:
            with urllib.request.urlopen(request, timeout=30):
                found.append(process)
        except urllib.error.HTTPError as err:
            assert err.code == 403, f"{process.url} answered {err.code} for another server's kernel"
    assert len(found) == 1, f"kernel {kernel_id} is on {len(found)} servers"
    return found[0]


def end_pages(servers, kernel_ids):
    """Shut these pages' kernels down as their pages would, each on its own server."""
    for kernel_id in kernel_ids:
        process = owner(servers, kernel_id)
        request = urllib.request.Request(
            f"{process.url}/api/kernels/{kernel_id}", method="DELETE", headers=page_cookie(kernel_id)
        )
        urllib.request.urlopen(request, timeout=30).close()
    for process in servers:
        assert wait_until(lambda p=process: len(kernels(p)) <= 1, timeout=60), f"{process.url}: kernels stayed"


@dataclass
class Visitor:
    """A visitor with their page open: its kernel's websocket stays open until ``close``."""

    source: str
    page: Page
    client: KernelClient
    generate: str  # the Generate button's widget id
    open_s: float
    clicks_s: list = field(default_factory=list)
    shown: int = 0  # the last result number seen

    def click(self) -> float:
        """Press Generate; the seconds until the next numbered result arrives."""
        started = time.time()
        self.client.press(self.generate)
        messages = self.client.receive(CLICK_S, until=lambda m: results_shown([m]) > self.shown)
        assert results_shown(messages) > self.shown, f"{self.source}: no result within {CLICK_S} s"
        self.shown = results_shown(messages)
        self.clicks_s.append(time.time() - started)
        return self.clicks_s[-1]


def arrive(url, source, clicks=0, route=None, balanced=True) -> Visitor:
    """A visitor from ``source``: the page, its websocket (with the page's cookies), the widgets'
    states (what the page asks for to draw them), then ``clicks`` presses of Generate, 1 s apart.
    ``balanced=False``: the one-server configuration, which sets no server cookie."""
    started = time.time()
    page = open_page_from(url, source, route)
    assert page.status == 200, f"{source}: HTTP {page.status}: {page.text[:300]}"
    if balanced:
        assert page.route in ("1", "2"), f"nginx set no server cookie: {page.route!r}"
    cookies = {ROUTE: page.route} if balanced else None
    client = KernelClient(url, page.kernel_id, cookies=cookies, source=source, timeout=OPEN_S)
    generate = find_widget(client.widget_states(), "ButtonModel", description="Generate")
    visitor = Visitor(source, page, client, generate, time.time() - started)
    for press in range(clicks):
        if press:
            time.sleep(1)
        visitor.click()
    return visitor


def crowd(url, count, first_address) -> list[Visitor]:
    """``count`` visitors arriving 0.5 s apart, each from its own address, each clicking ``CLICKS`` times."""
    with ThreadPoolExecutor(count) as pool:
        futures = []
        for i in range(count):
            futures.append(pool.submit(arrive, url, f"127.0.0.{first_address + i}", CLICKS))
            time.sleep(0.5)
        return [future.result() for future in futures]


def figures(visitors, servers) -> dict:
    clicks = sorted(s for v in visitors for s in v.clicks_s)
    per_server = [sum(owner(servers, v.page.kernel_id) is p for v in visitors) for p in servers]
    return {
        "visitors": len(visitors),
        "visitors_per_server": per_server,
        "open_p50_s": round(statistics.median(v.open_s for v in visitors), 2),
        "click_p50_s": round(statistics.median(clicks), 2),
        "click_p95_s": round(clicks[min(len(clicks) - 1, round(0.95 * (len(clicks) - 1)))], 2),
        "clicks_answered": f"{len(clicks)} of {len(visitors) * CLICKS}",
    }


def save(name, found):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "figures.json"
    everything = json.loads(path.read_text()) if path.exists() else {}
    # the machine's load (other jobs on the same cores) changes these figures: kept with them
    everything[name] = {**found, "measured": time.strftime("%Y-%m-%d %H:%M"), "load_average": os.getloadavg()[0]}
    path.write_text(json.dumps(everything, indent=1) + "\n")
    print(f"\n{name}: {json.dumps(found)}")


def several_servers_block(listen, ports) -> str:
    """docs/deploy.md's several-servers configuration, with only its ports changed and no TLS."""
    block = documented_nginx("upstream memlab_any")
    for documented in ("listen 443 ssl;", "127.0.0.1:8866", "127.0.0.1:8867", ":8866$", ":8867$"):
        assert documented in block.replace("\\.", "."), f"docs/deploy.md's block has no {documented!r}"
    return (
        block.replace("listen 443 ssl;", f"listen 127.0.0.1:{listen};")
        .replace("8866", ports[0])
        .replace("8867", ports[1])
    )


@pytest.fixture(scope="module")
def pair():
    """Two `memlab dashboard --behind-proxy` servers (cap 4, 2 kernels per address) behind nginx."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        servers = []
        for name in ("a", "b"):
            process = stack.enter_context(server(dashboard_command(free_port()), log=ARTIFACTS / f"server-{name}.log"))
            servers.append(process)
        for process in servers:
            assert wait_until(lambda p=process: len(kernels(p)) == 1, timeout=180), "a pool kernel did not start"
        folder, listen = ARTIFACTS / "nginx", free_port()
        folder.mkdir(exist_ok=True)
        block = several_servers_block(listen, [p.url.rsplit(":", 1)[1] for p in servers])
        url = stack.enter_context(nginx(folder, block, listen))
        yield SimpleNamespace(servers=servers, url=url, access_log=folder / "access.log")


# ---- 1. one server alone ---------------------------------------------------------------------------
def test_one_server_alone_answers_n_visitors(tmp_path):
    """The baseline: N visitors on one server (cap N) behind docs/deploy.md's one-server nginx."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    block = documented_nginx("proxy_pass http://127.0.0.1:8866;")
    listen = free_port()
    command = dashboard_command(free_port(), cap=N)
    with server(command, log=ARTIFACTS / "server-alone.log") as alone:
        assert wait_until(lambda: len(kernels(alone)) == 1, timeout=180), "the pool kernel did not start"
        block = block.replace("listen 443 ssl;", f"listen 127.0.0.1:{listen};").replace(
            "127.0.0.1:8866", alone.url.split("//", 1)[1]
        )
        with nginx(tmp_path, block, listen) as url:
            visitors = []
            try:
                with ThreadPoolExecutor(N) as pool:
                    futures = []
                    for i in range(N):
                        futures.append(pool.submit(arrive, url, f"127.0.0.{10 + i}", CLICKS, None, False))
                        time.sleep(0.5)
                    visitors = [future.result() for future in futures]
                found = figures(visitors, [alone])
            finally:
                for visitor in visitors:
                    visitor.client.close()
    assert found["visitors_per_server"] == [N]
    save("one server", found)


# ---- 2. two servers: spread, websockets, cap --------------------------------------------------------
def test_visitors_are_shared_and_each_websocket_reaches_its_kernels_server(pair):
    visitors = crowd(pair.url, N, first_address=30)
    try:
        found = figures(visitors, pair.servers)
        # (a) shared in turn: the N visitors, N/2 on each server
        assert found["visitors_per_server"] == [N // 2, N // 2], found
        # the cookie names the server that holds the kernel
        for visitor in visitors:
            assert owner(pair.servers, visitor.page.kernel_id) is pair.servers[int(visitor.page.route) - 1]
        # (b) no other server lets a page's websocket in, even with its page's secret
        for visitor in visitors[:2]:
            other = next(p for p in pair.servers if p is not owner(pair.servers, visitor.page.kernel_id))
            with pytest.raises(websocket.WebSocketBadStatusException) as refused:
                KernelClient(other.url, visitor.page.kernel_id, timeout=30)
            assert refused.value.status_code == 403 and NOT_YOUR_PAGE.encode() in refused.value.resp_body
        # (d) the cap: every place of both servers is taken, so a new visitor gets the busy page, and no
        # cookie (their reload is sent to the next server in turn)
        for source in ("127.0.0.90", "127.0.0.91"):
            busy = open_page_from(pair.url, source)
            assert busy.status == 503 and "The dashboard is busy" in busy.text and busy.route is None, busy
    finally:
        for visitor in visitors:
            visitor.client.close()
    # (b) nginx's log: each page's websocket went to the server that started its kernel
    wait_until(lambda: pair.access_log.read_text().count("/channels?") >= N, timeout=10)
    went = {}
    for line in pair.access_log.read_text().splitlines():
        found_ws = re.search(r'"GET /api/kernels/([0-9a-f-]+)/channels\S* HTTP/1.1" (\S+)$', line.split(" ", 2)[2])
        if found_ws:
            went[found_ws.group(1)] = found_ws.group(2)
    for visitor in visitors:
        kernel_server = owner(pair.servers, visitor.page.kernel_id).url.split("//", 1)[1]
        assert went.get(visitor.page.kernel_id) == kernel_server, (visitor.page.kernel_id, went)
    end_pages(pair.servers, [v.page.kernel_id for v in visitors])
    save("two servers", found)


# ---- 3. the per-address limit, per server ----------------------------------------------------------
def test_the_per_address_limit_holds_per_server(pair):
    given = []
    try:
        # a browser keeps the cookie: its pages stay on its server, which holds PER_ADDRESS of them
        first = open_page_from(pair.url, "127.0.0.60")
        assert first.status == 200
        given.append(first.kernel_id)
        pages = [open_page_from(pair.url, "127.0.0.60", route=first.route) for _ in range(PER_ADDRESS)]
        given += [p.kernel_id for p in pages if p.kernel_id]
        assert [p.status for p in pages] == [200] * (PER_ADDRESS - 1) + [429], pages
        assert {owner(pair.servers, k) for k in given} == {pair.servers[int(first.route) - 1]}
        end_pages(pair.servers, given)
        given = []
        # a client that drops cookies is sent to each server in turn, and meets the limit once on each
        pages = [open_page_from(pair.url, "127.0.0.61") for _ in range(2 * PER_ADDRESS + 2)]
        given = [p.kernel_id for p in pages if p.kernel_id]
        assert [p.status for p in pages] == [200] * (2 * PER_ADDRESS) + [429, 429], pages
        assert sorted(p.route for p in pages[: 2 * PER_ADDRESS]) == ["1"] * PER_ADDRESS + ["2"] * PER_ADDRESS
        # without --behind-proxy every visitor would be nginx's 127.0.0.1: others are unaffected
        other = open_page_from(pair.url, "127.0.0.62")
        assert other.status == 200
        given.append(other.kernel_id)
    finally:
        end_pages(pair.servers, [k for k in given if k])


# ---- 4. a server stops ----------------------------------------------------------------------------
@pytest.mark.skipif(not (REPO / CHROMIUM).exists(), reason="needs Chromium")
def test_a_stopped_servers_visitors_are_told_and_reload_onto_the_live_one(pair):
    first, second = pair.servers
    chromium = launch_chromium()
    try:
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": ROUTE, "value": "1", "url": pair.url + "/"}])  # a visitor of server 1
        page = context.new_page()
        page.goto(pair.url + "/", timeout=OPEN_S * 1000)
        page.get_by_role("button", name="Generate").first.wait_for(timeout=OPEN_S * 1000)
        browser_kernel = re.search(r'"kernelId": "([0-9a-f-]+)"', page.content()).group(1)
        secrets = {c["name"]: c["value"] for c in context.cookies()}
        PAGE_SECRETS[browser_kernel] = secrets["memlab_kernel"]  # (to ask the servers which holds it)
        # its kernel is on server 1; a visitor of server 2 is mid-visit
        assert owner(pair.servers, browser_kernel) is first
        staying = arrive(pair.url, "127.0.0.70", clicks=1, route="2")
        assert owner(pair.servers, staying.page.kernel_id) is second

        stopped = time.time()
        stop(first)  # the operator stops server 1 (or it fails)

        ended = page.locator("#memlab-session-ended")
        ended.wait_for(timeout=60_000)
        told_s = time.time() - stopped
        assert "This session ended; reload the page" in ended.inner_text()
        page.screenshot(path=str(ARTIFACTS / "session-ended.png"))
        # the other server's visitor notices nothing: the same websocket, a new result
        staying_click_s = staying.click()
        # its reconnection cannot reach another kernel: server 2 refuses it (not its page)
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            KernelClient(pair.url, browser_kernel, cookies={ROUTE: "1"}, timeout=30)
        assert refused.value.status_code == 403
        # the visitor reloads (the banner's button): the page comes from server 2, and answers
        reloaded = time.time()
        page.locator("#memlab-session-ended button").click()
        page.get_by_role("button", name="Generate").first.wait_for(timeout=OPEN_S * 1000)
        page.wait_for_function("() => !document.getElementById('memlab-session-ended')", timeout=30_000)
        reload_s = time.time() - reloaded
        new_kernel = re.search(r'"kernelId": "([0-9a-f-]+)"', page.content()).group(1)
        assert new_kernel != browser_kernel
        assert {c["name"]: c["value"] for c in context.cookies()}[ROUTE] == "2"
        click_s = click_generate_and_wait(page, timeout_ms=CLICK_S * 1000)
        # the staying visitor's kernel and the reloaded page's (the pool's ready kernel is refilled later, when
        # the machine gets to it: not counted, so a busy machine cannot decide the outcome)
        assert len(kernels(second)) >= 2
        # and a new visitor, without a cookie, is sent to the live server
        newcomer = open_page_from(pair.url, "127.0.0.71")
        assert newcomer.status == 200 and newcomer.route == "2"
        staying.client.close()
        end_pages([second], [staying.page.kernel_id, newcomer.kernel_id])
        save(
            "a server stops",
            {
                "stop_to_words_s": round(told_s, 1),
                "other_servers_click_s": round(staying_click_s, 2),
                "reload_to_generate_s": round(reload_s, 1),
                "first_click_after_reload_s": round(click_s, 2),
            },
        )
    finally:
        chromium.close()


# ---- 5. servers on other machines: the balancer, then a local nginx on each -------------------------
# What memlab runs behind --behind-proxy: it reads X-Real-IP from a loopback peer (client_address).
ECHO_ADDRESS = """
import sys
import tornado.ioloop
import tornado.web
from memlab.server.client_address import client_address

class Address(tornado.web.RequestHandler):
    def get(self):
        self.write(client_address(self.request, trusted_proxy=True))

tornado.web.Application([(r"/.*", Address)]).listen(int(sys.argv[1].split("=")[1]), "127.0.0.1")
tornado.ioloop.IOLoop.current().start()
"""


def address_seen(url, source, headers=None) -> str:
    """The visitor's address as memlab's ``client_address`` reads it behind ``url``, asked from ``source``."""
    host, port = url.split("://", 1)[1].rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30, source_address=(source, 0))
    try:
        connection.request("GET", "/", headers=headers or {})
        return connection.getresponse().read().decode()
    finally:
        connection.close()


def test_a_balancer_on_another_machine_passes_the_visitors_address(tmp_path):
    """docs/deploy.md's chain for servers on other machines: the balancer (the several-servers block),
    then on each machine the one-server block with the realip lines the docs give, then memlab's reading
    of X-Real-IP. Every machine is loopback here, and the balancer is 127.0.0.1."""
    (realip,) = re.findall(
        r"`(set_real_ip_from \S+; real_ip_header X-Real-IP;)`", (REPO / "docs/deploy.md").read_text()
    )
    echo_port, local_ports, balancer_port = free_port(), [free_port(), free_port()], free_port()
    local = documented_nginx("proxy_pass http://127.0.0.1:8866;").replace("127.0.0.1:8866", f"127.0.0.1:{echo_port}")
    listen = " ".join(f"listen 127.0.0.1:{port};" for port in local_ports)
    local = local.replace("listen 443 ssl;", f"{listen} {realip.replace('10.0.0.5', '127.0.0.1')}")
    balancer = several_servers_block(balancer_port, [str(port) for port in local_ports])
    (tmp_path / "local").mkdir()
    (tmp_path / "balancer").mkdir()
    with ExitStack() as stack:
        stack.enter_context(server([serve.sys.executable, "-c", ECHO_ADDRESS, f"--port={echo_port}"], timeout=60))
        local_url = stack.enter_context(nginx(tmp_path / "local", local, local_ports[0]))
        balancer_url = stack.enter_context(nginx(tmp_path / "balancer", balancer, balancer_port))
        spoofed = {"X-Real-IP": "203.0.113.9", "X-Forwarded-For": "203.0.113.9"}
        # through the balancer and the local nginx, memlab sees the visitor, not what the visitor wrote
        for _ in range(2):  # (both local ports: one per "server")
            assert address_seen(balancer_url, "127.0.0.77", spoofed) == "127.0.0.77"
        # straight to a machine's nginx (not from the balancer), a written X-Real-IP is not believed
        assert address_seen(local_url, "127.0.0.78", spoofed) == "127.0.0.78"
