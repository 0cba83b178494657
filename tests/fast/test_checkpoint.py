"""Saving, loading and resuming, with real (tiny) training runs on real MNIST images."""

import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from conftest import tiny_spec

from memlab.errors import CheckpointError
from memlab.models import checkpoint
from memlab.models import torch_models as models
from memlab.training import loop as training


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    spec = tiny_spec("mnist-diffusion-300", steps=6)
    card = training.train(spec, out, progress=False, device="cpu")
    return spec, out / spec.id, card


def test_card_records_provenance(trained):
    spec, folder, card = trained
    assert card["id"] == spec.id and card["dataset"] == "mnist" and card["train_size"] == 300
    assert card["steps"] == 6 and len(card["subset_indices"]) == 300 and card["git_commit"]
    assert card["weights_sha256"] == checkpoint.weights_sha256(checkpoint.load(folder / f"{spec.id}.pt")["weights"])
    assert (folder / f"{spec.id}.json").is_file() and (folder / "checkpoint.pt").is_file()


def test_save_then_load_gives_identical_samples_for_the_same_seed(trained, tmp_path):
    spec, folder, _ = trained
    first = models.from_payload(checkpoint.load(folder / f"{spec.id}.pt"))
    copy = tmp_path / "copy.pt"
    checkpoint.save(copy, checkpoint.load(folder / f"{spec.id}.pt"))
    second = models.from_payload(checkpoint.load(copy))
    a = first.sample(3, 7)
    b = second.sample(3, 7)
    c = second.sample(3, 8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_resume_continues_step_count_and_optimizer_state(tmp_path):
    spec = tiny_spec("mnist-diffusion-300", steps=6)
    training.train(spec, tmp_path / "straight", progress=False, device="cpu")
    training.train(spec, tmp_path / "split", max_minutes=0, progress=False, device="cpu")  # stops after 1 step
    halfway = checkpoint.load(tmp_path / "split" / spec.id / "checkpoint.pt")
    assert halfway["card"]["steps"] == 1
    assert halfway["training"]["trainer"]["opt"]["state"][0]["step"] == 1  # Adam's own step count
    card = training.train(spec, tmp_path / "split", resume=True, progress=False, device="cpu")
    assert card["steps"] == 6
    straight = checkpoint.load(tmp_path / "straight" / spec.id / "checkpoint.pt")
    resumed = checkpoint.load(tmp_path / "split" / spec.id / "checkpoint.pt")
    assert resumed["training"]["trainer"]["opt"]["state"][0]["step"] == 6
    for key, value in straight["weights"].items():  # bit-for-bit the same as an uninterrupted run
        torch.testing.assert_close(resumed["weights"][key], value, rtol=0, atol=0)


@pytest.fixture
def good_file(trained, tmp_path):
    spec, folder, _ = trained
    target = tmp_path / "model.pt"
    target.write_bytes((folder / f"{spec.id}.pt").read_bytes())
    return target


def test_truncated_checkpoint(good_file):
    good_file.write_bytes(good_file.read_bytes()[:5000])
    with pytest.raises(CheckpointError, match="truncated, corrupt"):
        checkpoint.load(good_file)


def test_bit_flipped_checkpoint(good_file):
    content = bytearray(good_file.read_bytes())
    payload = checkpoint.load(good_file)
    raw = payload["weights"]["head.2.weight"].numpy().tobytes()
    at = bytes(content).find(raw)  # flip one bit inside a stored weight
    assert at > 0
    content[at + 3] ^= 0x10
    good_file.write_bytes(bytes(content))
    with pytest.raises(CheckpointError, match="(do not match their card|truncated, corrupt)"):
        checkpoint.load(good_file)


def test_sha256_mismatch_and_another_models_card(good_file):
    payload = checkpoint.load(good_file)
    payload["weights"]["head.2.bias"] += 1.0
    torch.save(payload, good_file)
    with pytest.raises(CheckpointError, match="do not match their card"):
        checkpoint.load(good_file)
    with pytest.raises(CheckpointError, match="holds model 'mnist-diffusion-300', not 'mnist-diffusion-1'"):
        checkpoint.load(good_file, expect_id="mnist-diffusion-1")


def test_missing_checkpoint_says_how_to_train(tmp_path):
    with pytest.raises(CheckpointError, match="memlab train mnist-gan-60000"):
        checkpoint.load(tmp_path / "nothing.pt", expect_id="mnist-gan-60000")


class Exploit:
    def __reduce__(self):
        return (print, ("pwned",))


def test_a_malicious_pickle_is_refused_without_running(tmp_path, capsys):
    bad = tmp_path / "evil.pt"
    with open(bad, "wb") as f:
        pickle.dump({"format": checkpoint.FORMAT, "payload": Exploit()}, f)
    with pytest.raises(CheckpointError, match="not plain weights"):
        checkpoint.load(bad)
    assert "pwned" not in capsys.readouterr().out


FULL_DISK_SAVER = textwrap.dedent("""
    # Save a checkpoint under a real file-size limit: writes past it fail with EFBIG, as on a full disk.
    import resource, signal, sys
    import torch
    from memlab.models import checkpoint
    from memlab.errors import CheckpointError

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)      # fail the write instead of killing the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
    try:
        checkpoint.save(sys.argv[1], {"weights": torch.zeros(1_000_000)})   # 4 MB
    except CheckpointError as err:
        print(err)
        sys.exit(2)
""")


def test_a_real_file_size_limit_gives_a_one_line_message_and_leaves_no_temp_file(good_file, tmp_path):
    # torch.save raises RuntimeError (not OSError) when the disk fills: "enforce fail at inline_container.cc"
    before = good_file.read_bytes()
    script = tmp_path / "save.py"
    script.write_text(FULL_DISK_SAVER)
    run = subprocess.run([sys.executable, str(script), str(good_file)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr[-2000:]
    assert "Traceback" not in run.stderr and len(run.stdout.strip().splitlines()) == 1, run.stdout + run.stderr
    assert f"Could not save {good_file}" in run.stdout and "untouched" in run.stdout
    assert good_file.read_bytes() == before
    assert not list(good_file.parent.glob(".*.tmp-*"))


def test_failed_save_keeps_the_old_file(good_file, monkeypatch):
    before = good_file.read_bytes()

    def disk_full(obj, f, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", disk_full)
    with pytest.raises(CheckpointError, match="No space left.*untouched"):
        checkpoint.save(good_file, {"anything": 1})
    assert good_file.read_bytes() == before
    assert not list(good_file.parent.glob(".*.tmp-*"))
