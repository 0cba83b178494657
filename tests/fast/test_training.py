"""The training loop's bookkeeping, with real (tiny) runs on real MNIST images: a run stopped by
``--max-minutes`` and resumed writes the same card as a run that was never stopped, and the learning
rate anneals over the steps asked for."""

import pytest
import torch
from conftest import tiny_spec

from memlab.models import checkpoint
from memlab.training import loop as training

ASKED = 6  # steps asked for (--steps); the loss log then holds one partial entry (the mean of 6)


@pytest.fixture(scope="module")
def spec():
    return tiny_spec("mnist-diffusion-300", steps=12)  # the spec's own recipe: 12 steps


@pytest.fixture(scope="module")
def straight(spec, tmp_path_factory):
    out = tmp_path_factory.mktemp("straight")
    card = training.train(spec, out, steps=ASKED, progress=False, device="cpu")
    return card, checkpoint.load(out / spec.id / "checkpoint.pt")


def test_a_stopped_and_resumed_run_writes_the_same_card_as_a_straight_run(spec, straight, tmp_path):
    # a real stop: --max-minutes 0 ends the run (after saving) once its first step is done
    first = training.train(spec, tmp_path, steps=ASKED, max_minutes=0, progress=False, device="cpu")
    assert first["steps"] == 1
    resumed = training.train(spec, tmp_path, steps=ASKED, resume=True, progress=False, device="cpu")
    straight_card, straight_ckpt = straight
    assert len(straight_card["loss_per_100_steps"]) == 1  # before the fix: [loss of step 1, mean of 2-6]
    assert resumed["loss_per_100_steps"] == straight_card["loss_per_100_steps"]
    when = ("wall_time_s", "git_commit")  # how long it took, and the code it ran (others commit meanwhile)
    assert {k: v for k, v in resumed.items() if k not in when} == {
        k: v for k, v in straight_card.items() if k not in when
    }
    weights = checkpoint.load(tmp_path / spec.id / "checkpoint.pt")["weights"]
    for key, value in straight_ckpt["weights"].items():  # and bit-for-bit the same weights
        torch.testing.assert_close(weights[key], value, rtol=0, atol=0)


def test_the_learning_rate_anneals_over_the_steps_asked_for(spec, straight):
    _, ckpt = straight
    assert ckpt["card"]["steps"] == ASKED < spec.train.steps
    lr = ckpt["training"]["trainer"]["opt"]["param_groups"][0]["lr"]
    assert lr == pytest.approx(0.05 * spec.train.lr), "the cosine ends at 5 % of the peak at step --steps"
