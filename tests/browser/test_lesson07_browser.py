"""Lesson 07 in a real JupyterLab (Chromium), as a teacher runs it: Run All, no cell fails, the threshold
widget moves its picture, and the lesson's figures are read back from its kernel through a cell typed at
the end (the AUCs the histograms and ROC curves were drawn from, and the widget's PNG)."""

import json

from dashboard_browser import expect
from test_lessons_browser import (  # noqa: F401
    MAIN,
    SHOTS,
    SHOWN,
    chromium,
    failures,
    lab,
    open_lesson,
    picture,
    run_all,
    stop_kernels,
)

NAME = "07-what-a-model-remembers-without-copying"
READ_BACK = (
    "import json; print('READBACK' + json.dumps({'auc': {m: round(r.roc().auc, 4) for m, r in results.items()}, "
    "'groups': {m: len(e.groups) for m, e in extracted.items()}, 'widget_png': len(explorer.png), "
    "'rates': explorer.rates()}))"
)


def test_lesson07_runs_in_jupyterlab_and_its_figures_read_back(chromium, lab):  # noqa: F811
    page = open_lesson(chromium, lab, NAME)
    try:
        run_all(page)
        assert failures(page) == [], "a cell failed in JupyterLab"
        # the figures are <img alt> in HTML outputs (memlab.teaching.alt_text), each with a text alternative
        figures = page.locator(".jp-OutputArea-output img[src^='data:image/png']")
        assert figures.count() >= 3, "the lesson's figures are not shown as pictures"
        alts = [figures.nth(i).get_attribute("alt") or "" for i in range(figures.count())]
        assert all(len(alt) > 40 for alt in alts), f"a figure without a description: {alts}"
        widget = page.locator(MAIN).first
        expect(widget).to_be_visible(timeout=60_000)
        widget.scroll_into_view_if_needed()
        before = picture(widget)
        handle = widget.locator(".noUi-handle").first
        handle.focus()
        handle.press("PageUp")
        page.wait_for_function(
            f"([w, b]) => ({SHOWN})(w) !== b", arg=[widget.element_handle(), before], timeout=300_000
        )
        page.screenshot(path=str(SHOTS / f"{NAME}-after.png"))
        # a cell at the end reads the lesson's numbers back from its kernel
        last = page.locator(".jp-Notebook .jp-Cell").last
        last.scroll_into_view_if_needed()
        last.click()
        page.keyboard.press("Escape")
        page.keyboard.press("b")
        page.locator(".jp-Notebook .jp-Cell").last.locator(".cm-content").first.click()
        page.keyboard.type(READ_BACK)
        page.keyboard.press("Shift+Enter")
        output = page.locator(".jp-OutputArea-output", has_text="READBACK").last
        expect(output).to_be_visible(timeout=120_000)
        facts = json.loads(output.inner_text().split("READBACK", 1)[1].strip())
        assert facts["auc"]["mnist-diffusion-100"] >= 0.99 and 0.4 < facts["auc"]["mnist-diffusion-60000"] < 0.6
        assert facts["groups"]["mnist-diffusion-100"] >= 3 and facts["widget_png"] > 10_000
        assert page.outside == [], page.outside[:5]
    except Exception:
        page.screenshot(path=str(SHOTS / f"{NAME}-failed.png"))
        raise
    finally:
        page.close()
        stop_kernels(lab)
