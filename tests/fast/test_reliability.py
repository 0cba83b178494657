"""Faults and repeat use: a training process killed mid-save and determinism across processes (real models,
real data, real subprocesses). Memory over many Generate clicks: tests/slow/test_reliability_slow.py."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from conftest import tiny_spec

from memlab.models import checkpoint
from memlab.training import loop as training

DYING_TRAINER = textwrap.dedent("""
    # Train a spec, but SIGKILL this process halfway through writing its second resumable checkpoint.
    import io, json, os, signal, sys
    import torch
    from memlab.models import checkpoint
    from memlab.models import torch_models as models
    from memlab.training import loop as training
    spec = models.spec_from_dict(json.loads(open(sys.argv[1]).read()))
    real_save, resumable_saves = torch.save, []

    def dying_save(payload, path):
        if "training" in payload:
            resumable_saves.append(path)
            if len(resumable_saves) == 2:
                buffer = io.BytesIO()
                real_save(payload, buffer)
                with open(path, "wb") as f:          # half a checkpoint reaches the disk ...
                    f.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])
                    f.flush()
                    os.fsync(f.fileno())
                os.kill(os.getpid(), signal.SIGKILL)  # ... and the process dies, no cleanup
        real_save(payload, path)

    checkpoint.torch.save = dying_save
    training.train(spec, sys.argv[2], progress=False, device="cpu")
""")


def test_sigkill_while_writing_a_checkpoint_keeps_the_previous_one_and_resume_finishes(tmp_path):
    spec = tiny_spec("mnist-diffusion-300", steps=9)  # checkpoints at steps 3, 6 and 9
    (tmp_path / "spec.json").write_text(json.dumps(spec.to_dict()))
    (tmp_path / "die.py").write_text(DYING_TRAINER)
    run = subprocess.run(
        [sys.executable, str(tmp_path / "die.py"), str(tmp_path / "spec.json"), str(tmp_path / "killed")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == -9, run.stderr  # killed by SIGKILL
    folder = tmp_path / "killed" / spec.id
    assert list(folder.glob(".checkpoint.pt.tmp-*"))  # the half-written file is there ...
    survivor = checkpoint.load(folder / "checkpoint.pt", expect_id=spec.id)
    assert survivor["training"]["step"] == 3  # ... and the previous checkpoint intact

    card = training.train(spec, tmp_path / "killed", resume=True, progress=False, device="cpu")
    assert card["steps"] == 9
    training.train(spec, tmp_path / "straight", progress=False, device="cpu")
    resumed = checkpoint.load(folder / "checkpoint.pt")["weights"]
    straight = checkpoint.load(tmp_path / "straight" / spec.id / "checkpoint.pt")["weights"]
    for key, value in straight.items():  # as if nothing had happened
        torch.testing.assert_close(resumed[key], value, rtol=0, atol=0)


SAMPLER = (
    "import sys, numpy as np; from memlab import zoo; "
    "m = zoo.open(sys.argv[1]); "
    "np.save(sys.argv[2], m.sample(3, 11, steps=20 if m.options else None))"
)


@pytest.mark.parametrize("model_id", ["mnist-diffusion-300", "mnist-gan-60000"])
def test_same_model_seed_and_steps_give_the_same_image_in_every_process(model_id, tmp_path):
    paths = [tmp_path / f"{i}.npy" for i in range(2)]
    for path in paths:
        subprocess.run([sys.executable, "-c", SAMPLER, model_id, str(path)], check=True, timeout=300)
    first, second = (np.load(p) for p in paths)
    np.testing.assert_array_equal(first, second)
    from memlab import zoo

    model = zoo.open(model_id)
    here = model.sample(3, 11, steps=20 if model.options else None)
    np.testing.assert_array_equal(first, here)
    assert not np.array_equal(first[0], first[1])  # and different images within one call
