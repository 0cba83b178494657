"""The shipped models: their files load offline and verify (memlab.models.store), and the objects zoo.open
makes of them sample and are evaluated (real checkpoints)."""

import json
import shutil

import numpy as np
import pytest
import torch

from memlab import zoo
from memlab.analyses.evaluate import evaluate
from memlab.errors import CheckpointError, UnknownNameError
from memlab.models import registry, store

SHIPPED = [m for m in registry.MODELS if store.is_trained(m)]


def test_the_whole_zoo_ships_within_its_size_limits():
    assert set(SHIPPED) == set(registry.MODELS), "every registry model ships trained weights"
    sizes = {m: store.weights_path(m).stat().st_size for m in SHIPPED}
    assert max(sizes.values()) <= 8e6 and sum(sizes.values()) <= 60e6


@pytest.mark.parametrize("model_id", SHIPPED)
def test_every_shipped_model_loads_and_has_a_complete_card(model_id):
    model = store.load(model_id)
    card = store.card(model_id)
    for field in (
        "id",
        "label",
        "architecture",
        "parameters",
        "dataset",
        "subset_seed",
        "subset_indices_sha256",
        "steps",
        "epochs",
        "wall_time_s",
        "machine",
        "git_commit",
        "loss_final",
        "weights_sha256",
    ):
        assert card[field] is not None, field
    assert card == model.card == zoo.open(model_id).card and card["label"] == registry.MODELS[model_id].label
    assert model.spec == registry.MODELS[model_id], "trained with the registry's configuration: retrain it"
    assert len(model.subset_indices) == registry.MODELS[model_id].train_size


@pytest.mark.parametrize("model_id", registry.GENERATORS)
def test_evaluate_runs_on_every_generator(model_id):
    figures = evaluate(zoo.open(model_id), n=8, progress=False)
    assert 0 <= figures["perfect_copy_share"] <= figures["near_copy_share"] <= 1
    assert sum(figures["class_share"]) == pytest.approx(1)
    assert figures["frechet_to_test"] >= 0


@pytest.mark.parametrize("model_id", ["mnist-diffusion-1", "fashion-diffusion-1"])
def test_one_image_models_reproduce_their_training_image(model_id):
    figures = evaluate(zoo.open(model_id), n=10, seed=3, progress=False)
    assert figures["perfect_copy_share"] >= 0.9


def test_classifiers_meet_their_accuracy_floors():
    assert store.card("mnist-classifier")["test_accuracy"] >= 0.99
    assert store.card("fashion-classifier")["test_accuracy"] >= 0.91


def test_unknown_model_lists_valid_ids():
    with pytest.raises(UnknownNameError, match="mnist-diffusion-1.*mnist-gan-60000"):
        store.load("mnist-diffusion-7")
    with pytest.raises(UnknownNameError, match="mnist-diffusion-1.*mnist-gan-60000"):
        zoo.open("mnist-diffusion-7")


def test_altered_shipped_weights_are_refused(tmp_path, monkeypatch):
    for suffix in (".pt", ".json"):
        shutil.copy(store.weights_path("mnist-classifier").with_suffix(suffix), tmp_path)
    payload = torch.load(tmp_path / "mnist-classifier.pt", weights_only=True)
    payload["card"]["weights_sha256"] = "0" * 64
    torch.save(payload, tmp_path / "mnist-classifier.pt")
    monkeypatch.setenv("MEMLAB_WEIGHTS", str(tmp_path))
    with pytest.raises(CheckpointError, match="do not match their card"):
        store.load("mnist-classifier")


def test_a_missing_model_says_how_to_train_it(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMLAB_WEIGHTS", str(tmp_path))
    assert not store.is_trained("mnist-gan-60000") and store.card("mnist-gan-60000") is None
    with pytest.raises(CheckpointError, match="memlab train mnist-gan-60000"):
        store.load("mnist-gan-60000")
    assert "not trained" in store.card_table()


def test_card_json_matches_the_checkpoint():
    for model_id in SHIPPED:
        on_disk = json.loads(store.weights_path(model_id).with_suffix(".json").read_text())
        assert on_disk["weights_sha256"] == store.load(model_id).card["weights_sha256"]


@pytest.fixture(scope="module")
def mnist_features():
    """Classifier features of 2 000 real MNIST test images, and a yardstick for 'like a digit'."""
    from memlab.data import datasets as data

    classifier = zoo.classifier("mnist")
    test = data.load("mnist", "test").images / np.float32(255)
    real = classifier.features(test[:2000])

    def typical_gap(images):  # median distance from each image's features to the nearest real one's
        f = classifier.features(images)
        return float(np.median(np.sqrt(((f[:, None] - real[None]) ** 2).sum(-1)).min(1)))

    noise = np.random.default_rng(0).random((64, 28, 28), dtype=np.float32)
    return typical_gap, typical_gap(test[2000:2064]), typical_gap(noise), float(test.mean())


@pytest.mark.parametrize("steps", [1, 2, 5, 10])
def test_few_ddim_steps_give_digit_like_images(steps, mnist_features):
    # With "leading" spacing 1 step visited only t = 0: pure noise came back as if it were a clean
    # image (mean pixel 0.50 against 0.13 for real digits). "Trailing" starts from t = 999.
    typical_gap, real_gap, noise_gap, real_mean = mnist_features
    images = zoo.open("mnist-diffusion-60000").sample(64, 0, sampler="ddim", steps=steps)
    assert abs(images.mean() - real_mean) < 0.08, f"mean pixel {images.mean():.3f}, real digits {real_mean:.3f}"
    gap = typical_gap(images)
    assert gap < (real_gap + noise_gap) / 2, (
        f"features {gap:.1f} from real digits (real {real_gap:.1f}, noise {noise_gap:.1f})"
    )


@pytest.mark.parametrize("model_id", list(registry.MODELS))
def test_every_shipped_model_ran_its_whole_recipe(model_id):
    assert store.card(model_id)["steps"] == registry.MODELS[model_id].train.steps
