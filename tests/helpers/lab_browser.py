"""Driving a real JupyterLab in a real browser, for the tests that open a notebook there as a student does.

``lab_home`` makes a settings folder for a test server, ``open_notebook`` waits for the notebook and its
kernel, ``run_cells`` runs cells from the Run menu and makes sure they started.
"""

import json
import re
from pathlib import Path

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the browser test modules skip first
    PlaywrightTimeout, expect = TimeoutError, None

# Render every cell (no windowing), so a test sees them all; never save, so the notebooks in the repository
# stay without outputs; no news or update notices over the notebook.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
}
PROMPTS = (
    "() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')].map(e => e.textContent.trim())"
)
STARTED = f"() => ({PROMPTS})().some(t => /^\\[(\\*|\\d+)\\]:$/.test(t))"


def lab_home(folder: Path) -> dict:
    """Write the test settings under ``folder``; returns the environment that points JupyterLab at them
    (and at a workspace folder of its own, so no earlier session's layout reopens)."""
    for name, values in SETTINGS.items():
        (folder / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / "settings" / name).write_text(json.dumps(values))
    return {
        "JUPYTERLAB_SETTINGS_DIR": str(folder / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(folder / "workspaces"),
    }


def open_notebook(browser, url: str, viewport=(1400, 1000)):
    """Open ``url`` (a notebook in JupyterLab) and wait until its first cell shows and its kernel is idle."""
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
    page.goto(url, timeout=180_000)
    expect(page.locator(".jp-Notebook .jp-Cell").first).to_be_visible(timeout=180_000)
    expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1, timeout=180_000)
    return page


def menu(page, top: str, item: str):
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{top}$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$")).click()


def run_cells(page, item: str = "Run All Cells", attempts: int = 3, started_ms: int = 60_000):
    """Select the first code cell (a click on its prompt: selects, never edits), then Run ▸ ``item``, and
    wait until a cell has started ([*] or [n]).

    In a long test run, the first command given after the page loads is sometimes lost: the kernel stays
    idle and no cell starts (seen in CI for Run All Cells and for Shift+Enter alike; not understood). So if
    no cell has started after ``started_ms``, the same is done again, up to ``attempts`` times in all.
    """
    for attempt in range(attempts):
        page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").first.click()
        menu(page, "Run", item)
        try:
            page.wait_for_function(STARTED, timeout=started_ms, polling=500)
            return attempt + 1
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise AssertionError(
                    f"no cell started after Run ▸ {item}, tried {attempts} times (prompts: {page.evaluate(PROMPTS)})"
                ) from None
