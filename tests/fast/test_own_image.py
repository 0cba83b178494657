"""Your own image (memlab.teaching.own_image and its panel), without a browser: the sketch, the refusals, cancel,
reproducible samples, and private folders that go away with the run or the process (the real recipe handing
a drawn picture back: tests/slow/test_own_image_slow.py)."""

import gc
import io
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from memlab.data.image_files import image_from_bytes
from memlab.errors import MemlabError
from memlab.nets.unet import UNetConfig
from memlab.teaching import own_image
from memlab.teaching.own_image import EMPTY, Drawing, OwnImageRun, TrainingCancelled

REPO = Path(__file__).resolve().parents[2]
TINY = UNetConfig(base_channels=8, channel_mults=(1, 2), attention_at_bottom=False, time_dim=16)


def seven() -> np.ndarray:
    drawing = Drawing()
    drawing.start_stroke(70, 60)
    drawing.extend_stroke(210, 60)
    drawing.extend_stroke(130, 230)
    return drawing.image()


def tiny_run(steps=6, **kwargs) -> OwnImageRun:
    """The real loop and sampler on a 2-level UNet with 8 channels: seconds instead of a minute."""
    run = OwnImageRun(steps=steps, sample_steps=3, **kwargs)
    run.spec = replace(run.spec, network=TINY)
    return run


def test_a_stroke_becomes_a_28_by_28_line_where_it_was_drawn():
    drawing = Drawing()
    assert drawing.is_empty()
    drawing.start_stroke(20, 145)
    drawing.extend_stroke(260, 145)  # a horizontal line across the middle of the 280-pixel pad
    image = drawing.image()
    assert image.shape == (28, 28) and image.dtype == np.uint8
    assert image[14, 5:23].min() == 255 and image[:10].max() == 0 and image[19:].max() == 0
    drawing.start_stroke(140, 140)  # a dot is ink too
    drawing.undo()
    assert np.array_equal(drawing.image(), image)
    drawing.clear()
    assert drawing.is_empty()


def test_an_upload_is_converted_by_the_upload_path_and_undo_removes_it(mnist):
    buffer = io.BytesIO()
    Image.fromarray(255 - mnist.images[0]).resize((200, 200)).save(buffer, format="PNG")  # dark on white
    drawing = Drawing()
    drawing.set_upload(image_from_bytes(buffer.getvalue()))
    assert np.array_equal(drawing.image(), image_from_bytes(buffer.getvalue()))
    assert np.abs(drawing.image().astype(int) - mnist.images[0]).mean() < 10  # inverted back to MNIST's look
    drawing.undo()
    assert drawing.is_empty()


def test_an_empty_pad_is_refused_with_a_message():
    run = OwnImageRun()
    try:
        with pytest.raises(ValueError, match="Draw something first"):
            run.start(Drawing().image())
        assert not run.running and not any(run.folder.iterdir())
    finally:
        run.close()


def test_the_panel_says_draw_something_first_and_refuses_a_second_press():
    from memlab.dashboard.widgets.own_image import OwnImagePanel

    panel = OwnImagePanel()
    try:
        panel.train()
        assert EMPTY in panel.message.value and not panel.run.running
        panel._pen_start(70, 60)
        panel._pen_move(210, 60)
        panel._pen_end()
        panel.train()
        assert panel.run.running and panel.progress.layout.visibility == "visible"
        panel.train()  # the second press
        assert "already running" in panel.message.value
        panel.cancel()
        panel.run.wait(300)  # within one training step (slow on a busy CPU)
        assert not panel.run.running and "cancelled" in panel.message.value
    finally:
        panel.close()


def test_cancel_stops_the_real_recipe_within_a_step_and_a_second_start_is_refused():
    run = OwnImageRun()  # the real recipe: 1 000 steps
    done, progress = threading.Event(), []
    outcome = {}

    def on_done(result, error):
        outcome.update(result=result, error=error)
        done.set()

    try:
        run.start(seven(), progress.append, on_done)
        with pytest.raises(MemlabError, match="already running"):
            run.start(seven())
        while not progress:
            assert run.running
            threading.Event().wait(0.1)
        assert run.cancel()
        assert done.wait(60)
        assert isinstance(outcome["error"], TrainingCancelled) and outcome["result"] is None
        assert progress[-1].step < progress[-1].total == 1000
        assert not run.running
    finally:
        run.close()


def test_the_same_seed_gives_the_same_samples_and_each_is_measured_on_both_scales():
    run = tiny_run(seeds=[3, 3, 4])
    try:
        model = run.train(seven())
        first, again = run.samples(model, seven()), run.samples(model, seven())
        assert np.array_equal(first[0].image, first[1].image) and np.array_equal(first[0].image, again[0].image)
        assert not np.array_equal(first[0].image, first[2].image)
        target = seven() / 255.0
        for s in first:
            assert s.rmse == pytest.approx(np.sqrt(((s.image - target) ** 2).mean()), rel=1e-5)
            assert s.rmse_article == pytest.approx(s.rmse * 255 / 4095)
            assert s.verdict in ("perfect copy", "near copy", "novel")
    finally:
        run.close()


def test_two_learners_get_private_folders_and_closing_one_leaves_the_other():
    a, b = tiny_run(), tiny_run()
    try:
        assert a.folder != b.folder
        assert a.folder.stat().st_mode & 0o777 == b.folder.stat().st_mode & 0o777 == 0o700  # owner only
        a.train(seven())
        b_files_before = sorted(b.folder.rglob("*"))
        b.train(255 - seven())
        written = {p.relative_to(a.folder) for p in a.folder.rglob("*") if p.is_file()}
        assert written == {Path("runs/own-image") / n for n in ("checkpoint.pt", "own-image.pt", "own-image.json")}
        assert b_files_before == [] and sorted(p.relative_to(b.folder) for p in b.folder.rglob("*")) == sorted(
            p.relative_to(a.folder) for p in a.folder.rglob("*")
        )
        a.close()
        assert not a.folder.exists() and b.folder.exists()
        folder = b.folder
        del b
        gc.collect()
        assert not folder.exists()  # garbage collection deletes it too
    finally:
        a.close()


def files_in(folder: Path) -> list:
    """Every file under ``folder`` (torch may leave an empty cache folder in $TMPDIR: no files)."""
    return [p for p in folder.rglob("*") if not p.is_dir()]


EXITS_WHILE_TRAINING = textwrap.dedent("""
    import sys, threading
    from memlab.teaching.own_image import OwnImageRun, Drawing
    drawing = Drawing(); drawing.start_stroke(70, 60); drawing.extend_stroke(210, 60)
    run = OwnImageRun()                       # the real recipe, left running when the process ends
    steps = threading.Event()
    run.start(drawing.image(), on_progress=lambda p: steps.set())
    steps.wait(300)
    print(run.folder, flush=True)
    sys.exit(0)                               # what a kernel does when Voila shuts it down
""")


def test_nothing_is_written_outside_the_run_folder_and_it_goes_when_the_process_exits(tmp_path):
    """A learner's kernel exits mid-training: its folder is gone, and nothing was written anywhere else."""
    cwd, home, tmp = (tmp_path / name for name in ("cwd", "home", "tmp"))
    for folder in (cwd, home, tmp):
        folder.mkdir()
    env = dict(os.environ, HOME=str(home), TMPDIR=str(tmp), PYTHONPATH=str(REPO), MPLCONFIGDIR=str(home / "mpl"))
    done = subprocess.run(
        [sys.executable, "-c", EXITS_WHILE_TRAINING], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    folder = Path(done.stdout.strip())
    assert folder.parent == tmp and folder.name.startswith(own_image.FOLDER_PREFIX)
    assert not folder.exists()
    assert files_in(cwd) == files_in(tmp) == files_in(home) == []


def test_sigterm_while_training_deletes_the_folder_then_ends_the_process(tmp_path):
    """What Voila does to a kernel that takes over 2.5 s to exit after its page closed."""
    script = EXITS_WHILE_TRAINING.replace("sys.exit(0)", "import time; time.sleep(600)")
    process = subprocess.Popen(
        [sys.executable, "-c", script], env=dict(os.environ, TMPDIR=str(tmp_path)), stdout=subprocess.PIPE, text=True
    )
    folder = Path(process.stdout.readline().strip())
    assert folder.is_dir() and folder.parent == tmp_path
    process.terminate()
    assert process.wait(timeout=60) == -signal.SIGTERM  # the signal still ends it, as before
    assert not folder.exists() and files_in(tmp_path) == []


def test_a_killed_kernels_folder_is_removed_by_the_next_run(tmp_path, monkeypatch):
    killed = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    orphan = tmp_path / f"{own_image.FOLDER_PREFIX}{killed.pid}-abc123"
    orphan.mkdir()
    alive = tmp_path / f"{own_image.FOLDER_PREFIX}{os.getppid()}-def456"  # a living process's folder stays
    alive.mkdir()
    killed.kill()
    killed.wait()
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    run = OwnImageRun()
    try:
        assert not orphan.exists() and alive.exists() and run.folder.parent == tmp_path
    finally:
        run.close()


def test_the_comparison_searches_all_60000_training_images_of_the_big_model(mnist):
    run = OwnImageRun()
    try:
        drawn = run.compare(seven())
        assert drawn.searched == 60000 and drawn.searched_what == "the 60\u00a0000 MNIST training images"
        assert drawn.verdict != "perfect copy"
        member = run.compare(mnist.images[123])  # a training image is found, exactly
        assert member.nearest_index == 123 and member.rmse == 0 and member.verdict == "perfect copy"
    finally:
        run.close()


def test_the_panel_shows_a_sample_grid_and_the_comparison_sentence():
    from memlab.dashboard.widgets.own_image import LESSON, OwnImagePanel

    panel = OwnImagePanel(steps=6, sample_steps=3, seeds=range(3))
    panel.run.spec = replace(panel.run.spec, network=TINY)
    try:
        panel.drawing.start_stroke(70, 60)
        panel.drawing.extend_stroke(210, 60)
        panel.train()
        panel.run.wait(300)
        assert panel.result is not None and len(panel.result.samples) == 3
        assert len(panel.samples.children) == 1 + 3  # heading + one tile per seed
        text = panel.comparison.children[0].children[-1].value
        assert "never saw your image" in text and LESSON in text and "<a " not in text and "60\u00a0000" in text
        assert "Trained in" in panel.status.value and "perfect copies" in panel.status.value
    finally:
        panel.close()
