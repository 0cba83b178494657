"""Every lesson (01-06) in a real JupyterLab, in a real browser, as a teacher runs it in class.

A JupyterLab server on loopback serves the repository with ``MEMLAB_QUICK=1`` in its environment; Debian's
Chromium (Playwright) opens each lesson, runs all cells from the Run menu, waits for the last cell, checks
that no cell failed, then moves the lesson's main widget (CSS class ``memlab-main-widget``) once and waits
for its picture to change. Screenshots before and after go to test-artifacts/lessons/.
"""

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from dashboard_browser import ARTIFACTS, REPO, expect, free_port
from lab_browser import lab_home, open_notebook, run_cells
from servers import launch_chromium

LESSONS = sorted(p.stem for p in (REPO / "notebooks").glob("0[1-6]-*.ipynb"))
SHOTS = ARTIFACTS / "lessons"
RUN_ALL_MS = 1_200_000  # a shared 2-core machine: lesson 02 trains for real
MAIN = ".memlab-main-widget"


@pytest.fixture(scope="module")
def lab():
    """JupyterLab on 127.0.0.1 at a free port, serving the repository; yields (base URL, token)."""
    home = Path(tempfile.mkdtemp(prefix="memlab-lab-"))
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, MEMLAB_QUICK="1", OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"), **lab_home(home))
    command = [
        str(Path(sys.executable).parent / "jupyter"),
        "lab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={REPO}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--allow-root",
    ]
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=open(home / "lab.log", "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}api/status?token={token}", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.terminate()
        pytest.fail(f"JupyterLab did not start:\n{(home / 'lab.log').read_text()[-2000:]}")
    yield url, token
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture(scope="module")
def chromium():
    SHOTS.mkdir(parents=True, exist_ok=True)
    browser = launch_chromium()
    yield browser
    browser.close()


def stop_kernels(lab):
    """End every notebook session of the server (each lesson's kernel holds up to a GB)."""
    url, token = lab
    headers = {"Authorization": f"token {token}"}
    sessions = json.load(urllib.request.urlopen(urllib.request.Request(f"{url}api/sessions", headers=headers)))
    for session in sessions:
        urllib.request.urlopen(
            urllib.request.Request(f"{url}api/sessions/{session['id']}", method="DELETE", headers=headers)
        )


def open_lesson(chromium, lab, name, folder="notebooks"):
    url, token = lab
    # a workspace of its own: the default one would reopen the previous lesson beside this one, and Run All
    # and the checks below would see both notebooks
    page = open_notebook(chromium, f"{url}lab/workspaces/{folder}-{name}/tree/{folder}/{name}.ipynb?token={token}")
    page.outside = []
    page.on(
        "request",
        lambda r: (
            None
            if r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
            else page.outside.append(r.url)
        ),
    )
    return page


def run_all(page):
    """Run ▸ Run All Cells (made sure to start: ``run_cells``), then wait until no code cell is waiting
    ([*] or [ ]) or one has failed."""
    run_cells(page, "Run All Cells")
    page.wait_for_function(
        """() => { const p = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
                                .map(e => e.textContent.trim());
                   const failed = [...document.querySelectorAll('.jp-OutputArea-output')]
                                  .some(o => /Traceback|Error:/.test(o.innerText));
                   return failed || (p.some(t => /^\\[\\d+\\]:$/.test(t)) && p.every(t => /^(\\[\\d+\\]:)?$/.test(t))); }""",
        timeout=RUN_ALL_MS,
        polling=1000,
    )


def failures(page) -> list[str]:
    return page.eval_on_selector_all(
        ".jp-OutputArea-output", "es => es.map(e => e.innerText).filter(t => /Traceback|Error:/.test(t))"
    )


SHOWN = (
    "w => [...w.querySelectorAll('img')].map(i => i.src.slice(-300)).join('|') + "
    "[...w.querySelectorAll('.widget-html')].map(h => h.innerText).join('|')"
)


def picture(widget) -> str:
    """What the widget shows now: its pictures and its sentences (not its controls' readouts)."""
    return widget.evaluate(SHOWN)


def move(widget):
    """Move the widget's first control once, as a student would: a slider by keyboard, else a dropdown
    or a toggle button."""
    handle = widget.locator(".noUi-handle")
    if handle.count():
        handle.first.focus()
        handle.first.press("PageUp")
        return "slider"
    select = widget.locator("select")
    if select.count():
        options = select.first.evaluate("s => [...s.options].map(o => o.value).filter(v => v !== s.value)")
        select.first.select_option(options[0])
        return "dropdown"
    widget.locator(".widget-toggle-button:not(.mod-active), button:not(.mod-active)").first.click()
    return "button"


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_runs_in_jupyterlab_and_its_main_widget_moves(chromium, lab, name):
    page = open_lesson(chromium, lab, name)
    try:
        run_all(page)
        assert failures(page) == [], f"{name}: a cell failed in JupyterLab"
        widget = page.locator(MAIN).first
        expect(widget).to_be_visible(timeout=60_000)
        widget.scroll_into_view_if_needed()
        before = picture(widget)
        page.screenshot(path=str(SHOTS / f"{name}-before.png"))
        how = move(widget)
        page.wait_for_function(
            f"([w, b]) => ({SHOWN})(w) !== b", arg=[widget.element_handle(), before], timeout=300_000
        )
        widget.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"{name}-after.png"))
        assert picture(widget) != before, f"{name}: moving the {how} changed nothing"
        assert page.outside == [], f"{name}: requests left the machine: {page.outside[:5]}"
    except Exception:
        page.screenshot(path=str(SHOTS / f"{name}-failed.png"))
        raise
    finally:
        page.close()
        stop_kernels(lab)


def test_lesson_01_exercise_answers_a_wrong_answer_with_a_hint(chromium, lab):
    """A student's first try at exercise 1: the RMSE on the 0-1 scale instead of the article's."""
    page = open_lesson(chromium, lab, "01-data-and-the-question")
    try:
        run_all(page)
        cells = page.locator(".jp-Notebook .jp-Cell")
        index = cells.evaluate_all("cs => cs.findIndex(c => c.innerText.includes('my_rmse = ...'))")
        stub = cells.nth(index)  # the exercise's code cell (found by its text before we change it)
        stub.scroll_into_view_if_needed()
        editor = stub.locator(".cm-content").first
        editor.click()
        page.keyboard.press("Control+a")
        page.keyboard.type(
            "from memlab.teaching.exercises.lesson01 import check_rmse_article\n"
            "my_rmse = np.sqrt(np.mean((a.astype(float) - b) ** 2)) / 255\n"
            "check_rmse_article(my_rmse, a, b)"
        )
        page.keyboard.press("Shift+Enter")
        hint = stub.locator(".jp-OutputArea-output")
        expect(hint).to_contain_text("Not yet", timeout=60_000)
        expect(hint).to_contain_text("0–1 scale")  # the hint names the mistake, not the solution
        stub.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "01-exercise-hint.png"))
    finally:
        page.close()
        stop_kernels(lab)


def answer(page, cells, index: int, code: str):
    """Replace the text of code cell ``index`` (of ``cells``) with ``code`` and run it, as a student does."""
    cell = cells.nth(index)
    cell.scroll_into_view_if_needed()
    cell.locator(".cm-content").first.click()
    page.keyboard.press("Control+a")
    page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")
    return cell.locator(".jp-OutputArea-output")


def answer_and_check(page, cells, index: int, code: str):
    """Answer in the answer cell ``index`` and run the read-only check cell under it (nbgrader's layout),
    as a student does: Shift+Enter twice. The check cell's output."""
    answer(page, cells, index, code)  # JupyterLab then selects the check cell below
    check = cells.nth(index + 1)
    expect(check).to_contain_text("check_rmse_article(")
    page.keyboard.press("Shift+Enter")
    return check.locator(".jp-OutputArea-output")


def test_student_run_all_answers_nothing_then_one_exercise_wrong_and_right(chromium, lab):
    """The student version, as a student takes it: Run All (as the index says) leaves both exercises
    unanswered and says Correct nowhere; then exercise 1 answered wrongly (0-1 scale), then rightly."""
    page = open_lesson(chromium, lab, "01-data-and-the-question", folder="student")
    try:
        run_all(page)
        assert failures(page) == [], "a cell failed in the student version"
        outputs = " ".join(page.eval_on_selector_all(".jp-OutputArea-output", "es => es.map(e => e.innerText)"))
        assert "Correct" not in outputs, "Run All answered an exercise in the student version"
        assert outputs.count("Not yet") == 2 and "Replace the `...`" in outputs
        cells = page.locator(".jp-Notebook .jp-Cell")
        index = cells.evaluate_all("cs => cs.findIndex(c => c.innerText.includes('my_rmse = ...'))")
        cells.nth(index).scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "student-01-run-all.png"))
        said = answer_and_check(page, cells, index, "my_rmse = np.sqrt(np.mean((a.astype(float) - b) ** 2)) / 255")
        expect(said).to_contain_text("Not yet", timeout=60_000)
        expect(said).to_contain_text("0–1 scale")
        page.screenshot(path=str(SHOTS / "student-01-wrong.png"))
        said = answer_and_check(page, cells, index, "my_rmse = np.sqrt(np.mean((a.astype(float) - b) ** 2)) / 4095")
        expect(said).to_contain_text("Correct!", timeout=60_000)
        page.screenshot(path=str(SHOTS / "student-01-right.png"))
    except Exception:
        page.screenshot(path=str(SHOTS / "student-01-failed.png"))
        raise
    finally:
        page.close()
        stop_kernels(lab)
