"""One seed, one image, everywhere: the same (model, seed, sampler, steps) gives the same image through
every entry point that turns a seed into an image, on either engine.

The entry points: the dashboard (ONNX Runtime, as ``notebooks/dashboard.ipynb`` builds it), ``memlab
sample`` and ``memlab judge`` (PyTorch), ``memlab audit``'s sampling, the extraction's samples, a lesson
helper (``reverse_trajectory``), and a model object asked directly. The two engines compute the same
loop with different arithmetic for the network, so images agree to rounding (at most ``ENGINE_TOLERANCE``
on the 0..1 scale); the PyTorch entry points agree exactly.
"""

import json

import numpy as np
import pytest
from PIL import Image

from memlab import cli, zoo
from memlab.analyses.audit import audit
from memlab.analyses.evaluate import generate
from memlab.analyses.extraction import samples_of
from memlab.analyses.membership import denoising_loss
from memlab.dashboard.app import App
from memlab.sampling import noise
from memlab.teaching.lessons import reverse_trajectory

ENGINE_TOLERANCE = 2e-3  # 0..1 scale: half a grey level
SETTINGS = [
    ("mnist-diffusion-300", 7, "ddim", 12),
    ("mnist-diffusion-300", 7, "ddpm", 12),
    ("mnist-gan-60000", 11, None, None),
]


def through_the_dashboard(model_id, seed, sampler, steps) -> np.ndarray:
    app = App(engine="onnx", background=False, warm=False)
    app.model.value = model_id
    app.seed.value = str(seed)
    if sampler:
        app.sampler.value, app.steps.value = sampler, steps
    app.generate()
    assert app.judgement is not None, app.message.value
    return app.judgement.image


def through_memlab_sample(tmp_path, model_id, seed, sampler, steps) -> np.ndarray:
    out = tmp_path / "sample.png"
    argv = ["sample", model_id, "--n", "1", "--seed", str(seed), "--out", str(out)]
    if sampler:
        argv += ["--sampler", sampler, "--steps", str(steps)]
    assert cli.main(argv) == 0
    picture = np.asarray(Image.open(out))[::3, ::3]  # written 3x enlarged, in a grid with 2-pixel gaps
    return picture[2:30, 2:30] / 255.0


@pytest.mark.parametrize("model_id, seed, sampler, steps", SETTINGS)
def test_the_same_seed_gives_the_same_image_through_every_entry_point(tmp_path, capsys, model_id, seed, sampler, steps):
    torch_model = zoo.open(model_id, "torch")
    image = torch_model.sample(1, seed, sampler=sampler, steps=steps)[0]

    # the other engine, and the dashboard, which runs it
    onnx_image = zoo.open(model_id, "onnx").sample(1, seed, sampler=sampler, steps=steps)[0]
    assert np.abs(onnx_image - image).max() < ENGINE_TOLERANCE
    assert np.abs(through_the_dashboard(model_id, seed, sampler, steps) - onnx_image).max() == 0

    # the command line: `memlab sample` writes 8-bit grey levels; `memlab judge` says what it found
    assert np.abs(through_memlab_sample(tmp_path, model_id, seed, sampler, steps) - image).max() <= 0.5 / 255 + 1e-6
    argv = ["judge", model_id, "--seed", str(seed), "--whole-set", "--json"]
    capsys.readouterr()
    assert cli.main(argv + (["--sampler", sampler, "--steps", str(steps)] if sampler else [])) == 0
    judged = json.loads(capsys.readouterr().out)
    (expected,) = torch_model.judge(image, k=1, scope="whole set")
    assert (judged["nearest_index"], judged["rmse"]) == (expected.nearest_index, pytest.approx(expected.rmse))

    # the analyses and a lesson helper, with the model's own sampler (they take no other)
    if sampler == torch_model.spec.default_sampler or sampler is None:
        default = torch_model.sample(1, seed)[0]
        assert np.array_equal(generate(torch_model, 1, seed, progress=False)[0], default)
        assert np.array_equal(audit(torch_model, n=1, seed=seed, progress=False).samples.images[0], default)
        assert np.array_equal(samples_of(model_id, 1, seed)[0], default)
    if sampler:
        trajectory = reverse_trajectory(torch_model, sampler, steps=steps, seed=seed)
        assert np.array_equal(trajectory.final, image)


def test_another_seed_gives_another_image():
    model = zoo.open("mnist-gan-60000")
    assert not np.array_equal(model.sample(1, 1)[0], model.sample(1, 2)[0])


def test_the_membership_noise_is_the_seeds_first_draw():
    """The membership attack noises every image with one draw: the same numbers a sample of that seed
    starts from (its x_T), so "seed 3" means one thing in the attack and in the samples."""
    model = zoo.open("mnist-diffusion-300")
    network, image = model.network, np.zeros((1, 28, 28), np.float32)
    schedule = network.spec.schedule
    from memlab.sampling.schedule import NoiseSchedule

    abar = float(NoiseSchedule(schedule).abar(100))
    x_t = np.sqrt(abar) * -1.0 + np.sqrt(1 - abar) * noise.normal(noise.stream(3), (1, 1, 28, 28))
    import torch

    with torch.no_grad():
        output = network.net(torch.from_numpy(x_t.astype(np.float32)), torch.full((1,), 100)).numpy()
    target = noise.normal(noise.stream(3), (1, 1, 28, 28)) if schedule.prediction == "epsilon" else -np.ones_like(x_t)
    expected = float(((output - target) ** 2).mean())
    assert denoising_loss(network, image, t=100, seed=3)[0] == pytest.approx(expected, rel=1e-4)
