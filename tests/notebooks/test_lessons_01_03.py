"""What lessons 01-03 produce, read from their executed notebooks (quick mode), and their exercise checks.

The notebooks run once per session (tests/helpers/notebook_runner.py); these tests read values from their live
kernels and move their widgets there, as a student would in JupyterLab.
"""

import numpy as np
import pytest
import torch

from memlab.judging import metrics
from memlab.sampling.schedule import NoiseSchedule
from memlab.teaching.exercises import lesson01, lesson02, lesson03
from memlab.teaching.lessons import add_grey_noise, forward_frames

pytest.importorskip("nbclient")
from notebook_runner import run_notebook  # noqa: E402


# ---- lesson 01: the verdict is a cut-off on a distance ---------------------------------------------
# ---- the exercises' answers: the tests compute them; the checks (memlab.teaching.exercises) must not ------
def first_non_perfect_sigma(image, seed: int = 0) -> int:
    """Lesson 01, exercise 2: the smallest whole sigma at which ``image`` plus noise is no perfect copy."""
    return next(
        s
        for s in range(81)
        if metrics.verdict(metrics.rmse_article(image, add_grey_noise(image, s, seed))[0]) != "perfect copy"
    )


def half_signal_step() -> int:
    """Lesson 02, exercise 2: the first t at which sqrt(alpha-bar_t) falls below 0.5."""
    return int(np.argmax(np.sqrt(NoiseSchedule().alphas_cumprod) < 0.5))


def settle_distances(model, seed: int = 0) -> dict:
    """Lesson 03, exercise 2: RMSE of the DDIM image at each step choice to the 50-step image."""
    reference = model.sample(1, seed, steps=50, sampler="ddim")
    return {
        n: float(metrics.rmse(model.sample(1, seed, steps=n, sampler="ddim"), reference)[0])
        for n in lesson03.STEP_CHOICES
    }


def test_01_verdict_changes_with_noise_in_order():
    verdicts = run_notebook("01-data-and-the-question").value("verdicts")
    order = [verdicts[s] for s in sorted(verdicts, key=int)]
    assert order[0] == "perfect copy" and order[-1] == "novel" and "near copy" in order
    ranks = [metrics.VERDICTS.index(v) for v in order]
    assert ranks == sorted(ranks), "the verdict should only move from copy towards novel as noise grows"


def test_01_noise_slider_judges_each_sigma_against_the_training_set():
    lesson = run_notebook("01-data-and-the-question")
    first = lesson.value("[slider.judgement.verdict, slider.judgement.nearest_index, len(slider.png)]")
    assert first[:2] == ["perfect copy", 0]
    lesson.value("setattr(slider.sigma, 'value', 40)")  # what moving the slider does
    moved = lesson.value("[slider.judgement.verdict, slider.judgement.nearest_index, slider.sentence]")
    assert moved[0] == "novel" and moved[1] == 0, "40 grey levels: 'novel', yet its nearest is still image 0"
    assert "very image we started from" in moved[2]
    lesson.value("setattr(slider.sigma, 'value', 0)")
    assert lesson.value("slider.judgement.verdict") == "perfect copy"


def test_01_checks_hint_at_the_usual_mistakes(mnist):
    a, b = mnist.images[0], mnist.images[1]
    right = float(metrics.rmse_article(a, b)[0])
    assert lesson01.check_rmse_article(right, a, b).correct
    unit = lesson01.check_rmse_article(float(metrics.rmse(a, b)[0]), a, b)
    assert not unit.correct and "0–1 scale" in unit.message
    wrapped = lesson01.check_rmse_article(np.sqrt(np.mean((a - b) ** 2)) / 4095, a, b)  # uint8 wraps around
    assert not wrapped.correct and "wraps around" in wrapped.message
    for junk in (..., None, "0.02", [1, 2]):
        said = lesson01.check_rmse_article(junk, a, b)
        assert not said.correct and said.message
    truth = first_non_perfect_sigma(a)
    assert metrics.verdict(metrics.rmse_article(a, add_grey_noise(a, truth))[0]) != "perfect copy"
    assert metrics.verdict(metrics.rmse_article(a, add_grey_noise(a, truth - 1))[0]) == "perfect copy"
    assert lesson01.check_first_non_perfect_sigma(truth, a).correct
    assert "larger" in lesson01.check_first_non_perfect_sigma(truth - 2, a).message
    assert "smaller" in lesson01.check_first_non_perfect_sigma(truth + 20, a).message


def test_add_grey_noise_is_seeded_and_stays_in_range(mnist):
    image = mnist.images[0]
    noisy = add_grey_noise(image, 30, seed=3)
    assert noisy.dtype == np.uint8 and np.array_equal(noisy, add_grey_noise(image, 30, seed=3))
    assert not np.array_equal(noisy, add_grey_noise(image, 30, seed=4))
    assert np.array_equal(add_grey_noise(image, 0), image)


# ---- lesson 02: the forward process and a model trained live -----------------------------------------
def test_02_one_image_model_trained_live_and_its_loss_fell():
    lesson = run_notebook("02-training")
    steps, losses, card_steps = lesson.value("[curve.steps, curve.losses, card['steps']]")
    assert card_steps == lesson.value("steps") == steps[-1] == 150  # quick mode's 150 steps, all drawn
    assert len(losses) >= 2 and losses[-1] < losses[0] / 2, f"the loss should fall by half or more: {losses}"
    assert sum(lesson.value("verdict_counts").values()) == 8


def test_02_forward_slider_shows_the_closed_form():
    lesson = run_notebook("02-training")
    lesson.value("setattr(forward.t, 'value', 990)")
    assert "0.01 × the image" in lesson.value("forward.sentence")
    lesson.value("setattr(forward.t, 'value', 0)")
    assert "1.00 × the image + 0.01 × noise" in lesson.value("forward.sentence")


def test_forward_frames_start_at_the_image_and_end_in_noise(mnist):
    frames = forward_frames(mnist.images[0], [0, 999], seed=0)
    assert metrics.rmse(frames[0], mnist.images[0])[0] < 0.02
    assert metrics.rmse(frames[1], mnist.images[0])[0] > 0.3


def test_02_checks_hint_at_the_usual_mistakes():
    schedule = NoiseSchedule()
    x0 = torch.linspace(-1, 1, 784).reshape(28, 28)
    noise = torch.randn(28, 28, generator=torch.Generator().manual_seed(0))
    abar, alpha = schedule.alphas_cumprod[300], schedule.alphas[300]
    assert lesson02.check_forward(np.sqrt(abar) * x0 + np.sqrt(1 - abar) * noise, x0, noise, 300).correct
    one_step = lesson02.check_forward(np.sqrt(alpha) * x0 + np.sqrt(1 - alpha) * noise, x0, noise, 300)
    assert not one_step.correct and "alpha-bar_t" in one_step.message
    assert "shape" in lesson02.check_forward(torch.zeros(3, 3), x0, noise, 300).message
    truth = half_signal_step()
    assert np.sqrt(schedule.alphas_cumprod[truth]) < 0.5 <= np.sqrt(schedule.alphas_cumprod[truth - 1])
    assert lesson02.check_half_signal(truth).correct
    wrong = lesson02.check_half_signal(int(np.argmax(schedule.alphas_cumprod < 0.5)))
    assert not wrong.correct and "alpha-bar_t itself" in wrong.message
    assert "earlier" in lesson02.check_half_signal(truth + 1).message
    assert "look later" in lesson02.check_half_signal(truth - 1).message


# ---- lesson 03: reverse diffusion ----------------------------------------------------------------------
def test_03_ddim_predicted_x0_converges_and_ddpm_wanders():
    ddpm, ddim = (np.array(c) for c in run_notebook("03-sampling").value("[list(r.x0_change()) for r in runs]"))
    assert ddim[-1] == 0 and ddim[-10:].max() < ddim[:10].min() / 3, "DDIM's guess should settle on its image"
    assert (np.diff(ddim[5:]) > 0).sum() <= 2, "after the first steps DDIM's guess should only get closer"
    assert (np.diff(ddpm) > 0).sum() > (np.diff(ddim) > 0).sum(), "DDPM's fresh noise should push its guess around"


def test_03_scrubber_moves_through_the_steps():
    lesson = run_notebook("03-sampling")
    before = lesson.value("[scrubber.sentence, len(scrubber.png)]")
    lesson.value("setattr(scrubber.step, 'value', 50)")
    after = lesson.value("scrubber.sentence")
    assert after.startswith("Step 50 of 50") and after != before[0]
    assert "0.000 from its final image" in after


def test_03_seeds_reproduce_and_fewer_steps_cost_less():
    lesson = run_notebook("03-sampling")
    assert lesson.value("reproducible") == {"mnist-diffusion-60000": True, "mnist-gan-60000": True}
    seconds = lesson.value("seconds")
    assert seconds["ddim 10"] < seconds["ddim 50"]


def test_03_checks_hint_at_the_usual_mistakes():
    abar = NoiseSchedule().alphas_cumprod
    x0 = torch.linspace(-1, 1, 784).reshape(28, 28)
    eps = torch.randn(28, 28, generator=torch.Generator().manual_seed(0))
    right = np.sqrt(abar[480]) * x0 + np.sqrt(1 - abar[480]) * eps
    assert lesson03.check_ddim_step(right, x0, eps, 480).correct
    current = lesson03.check_ddim_step(np.sqrt(abar[500]) * x0 + np.sqrt(1 - abar[500]) * eps, x0, eps, 480)
    assert not current.correct and "prev_t" in current.message
    assert not lesson03.check_ddim_step(..., x0, eps, 480).correct


def test_03_fewest_steps_check_measures_for_itself():
    from memlab import zoo

    model = zoo.open("mnist-diffusion-60000")
    distances = settle_distances(model, seed=0)
    settled = [s for s, d in distances.items() if d < lesson03.SETTLED_RMSE]
    assert settled and settled[0] != max(lesson03.STEP_CHOICES), "the answer should not be 'the most steps'"
    assert lesson03.check_fewest_steps(settled[0], model).correct
    assert "more steps" in lesson03.check_fewest_steps(1, model).message
    assert "Choose one of" in lesson03.check_fewest_steps(7, model).message


# ---- issue 24: what a teacher would have been embarrassed by ----------------------------------------
def markdown_after(lesson, code_marker: str) -> str:
    """The markdown cell right after the code cell that contains ``code_marker``."""
    cells = lesson.notebook.cells
    i = next(k for k, c in enumerate(cells) if c.cell_type == "code" and code_marker in c.source)
    assert cells[i + 1].cell_type == "markdown", f"no text after the cell with {code_marker!r}"
    return cells[i + 1].source


def test_01_each_exercise_answer_is_a_value_the_slider_reaches():
    lesson = run_notebook("01-data-and-the-question")
    low, high, step = lesson.value("[slider.sigma.min, slider.sigma.max, slider.sigma.step]")
    answer = first_non_perfect_sigma(np.array(lesson.value("a.tolist()"), dtype=np.uint8))
    assert answer == 5
    assert low <= answer <= high and (answer - low) % step == 0, f"σ = {answer} is not on the slider ({step=})"


def test_01_the_noise_curve_is_described_as_it_is_drawn():
    lesson = run_notebook("01-data-and-the-question")
    sigmas, distances = (
        np.array(v, dtype=float) for v in lesson.value("[sigmas.tolist(), [float(d) for d in distances]]")
    )
    slope, intercept = np.polyfit(sigmas, distances * 4095, 1)
    straight = np.corrcoef(sigmas, distances)[0, 1] ** 2
    text = markdown_after(lesson, "verdicts = {int(s)")
    assert straight > 0.99 and "bends" not in text and "straight line" in text
    assert f"{slope:.2f} σ" in text, f"the text should give the measured slope {slope:.2f}"


def test_02_one_image_figure_shows_the_image_the_model_was_trained_on():
    lesson = run_notebook("02-training")
    trained_on = lesson.value("int(model.subset_indices[0])")
    assert trained_on != 0, "the one-image recipe trains on another image than Step 1's #0 (else this proves nothing)"
    shown = np.array(lesson.value("fig.axes[0].get_images()[0].get_array().tolist()"))
    train = np.array(lesson.value(f"data.load('mnist', 'train').images[{trained_on}].tolist()"))
    assert np.array_equal(shown, train), "the figure's 'its training image' is not the model's training image"
    assert f"#{trained_on}" in lesson.value("fig.axes[0].get_title()")


def test_02_each_exercise_answer_is_a_value_the_slider_reaches():
    lesson = run_notebook("02-training")
    low, high, step = lesson.value("[forward.t.min, forward.t.max, forward.t.step]")
    answer = half_signal_step()
    assert answer == 368 and low <= answer <= high and (answer - low) % step == 0, (answer, step)
    lesson.value(f"setattr(forward.t, 'value', {answer})")
    assert lesson.value("forward.t.value") == answer and f"t = {answer}" in lesson.value("forward.sentence")


def test_02_one_step_hint_names_beta_as_the_noise():
    schedule = NoiseSchedule()
    x0 = torch.linspace(-1, 1, 784).reshape(28, 28)
    noise = torch.randn(28, 28, generator=torch.Generator().manual_seed(0))
    alpha = schedule.alphas[300]
    said = lesson02.check_forward(np.sqrt(alpha) * x0 + np.sqrt(1 - alpha) * noise, x0, noise, 300).message
    assert "β_t" in said and "alpha_t, the noise" not in said


def overlapping_texts(lesson, figure: str) -> list:
    """Pairs of visible texts (titles, labels, annotations) of ``figure`` whose boxes overlap when drawn."""
    return lesson.value(f"""(lambda f: (f.canvas.draw(), [
        (a.get_text(), b.get_text())
        for texts in [[t for ax in f.axes for t in [ax.title, ax._left_title, *ax.texts]
                       if t.get_text() and t.get_visible()]]
        for i, a in enumerate(texts) for b in texts[i + 1:]
        if a.get_window_extent().overlaps(b.get_window_extent())])[1])({figure})""")


def test_03_reverse_figure_titles_do_not_overlap():
    lesson = run_notebook("03-sampling")
    assert overlapping_texts(lesson, "steps_fig") == []


def test_03_step_cost_and_blur_are_described_as_measured():
    lesson = run_notebook("03-sampling")
    seconds, ddpm_steps = lesson.value("[seconds, settings[0][1]]")
    measured = seconds["ddim 50"] / seconds[f"ddpm {ddpm_steps}"]
    assert 0.25 < measured / (50 / ddpm_steps) < 4, f"time should follow the steps: {measured:.2f} of DDPM's time"
    text = markdown_after(lesson, "settings = [")
    assert "a twentieth of the cost of DDPM's 1 000 steps" in text and "about half" in text
    ten_to_fifty, ddpm_to_fifty = lesson.value("[float(ten_to_fifty), float(ddpm_to_fifty)]")
    assert ten_to_fifty < 0.1 and ten_to_fifty < ddpm_to_fifty / 3, (ten_to_fifty, ddpm_to_fifty)
    assert "the same eight digits as with 50, not blurred" in text and "start to blur" not in text


def test_03_gan_figure_has_what_to_notice():
    lesson = run_notebook("03-sampling")
    assert markdown_after(lesson, "gan_images = gan.sample").startswith("**What to notice:**")
