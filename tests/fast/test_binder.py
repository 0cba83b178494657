"""binder/, environment.yml and pyproject.toml ask for the same packages; the Jupyter settings agree
everywhere they are installed; binder/fetch_data.py passes good data and fails loudly on bad data.
(The full Binder build is replayed in tests/replay/test_binder_replay.py.)"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from packaging.requirements import Requirement
from packaging.version import Version

from memlab.data.image_files import MAX_UPLOAD_BYTES, WEBSOCKET_LIMIT_BYTES

REPO = Path(__file__).resolve().parents[2]
BINDER = REPO / "binder"
CONDA_NAMES = {"pytorch-cpu": "torch"}  # conda-forge name -> pip name
NOT_PACKAGES = {"python", "pip"}


def conda_packages(path):
    names = {}
    for line in path.read_text().split("dependencies:", 1)[1].splitlines():
        match = re.match(r"\s+- ([A-Za-z0-9_.-]+)\s*([<>=!].*)?$", line)
        if match and match.group(1) not in NOT_PACKAGES:
            names[CONDA_NAMES.get(match.group(1), match.group(1))] = (match.group(2) or "").strip()
    return names


def pyproject_requirements():
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    return {r.name: r for r in map(Requirement, deps)}


def binder_pins():
    """binder/requirements.txt as {name: pinned Version}, without pip options and comments."""
    pins = {}
    for line in (BINDER / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            assert spec.operator == "==", f"binder/requirements.txt must pin exactly: {line}"
            pins[requirement.name] = Version(spec.version)
    return pins


def test_conda_environment_matches_pyproject():
    expected = {name: str(r.specifier) for name, r in pyproject_requirements().items()}
    found = {
        name: ",".join(sorted(spec.split(","), reverse=True))
        for name, spec in conda_packages(REPO / "environment.yml").items()
    }
    assert found == {n: ",".join(sorted(s.split(","), reverse=True)) for n, s in expected.items()}
    assert "channels:\n  - conda-forge\ndependencies:" in (REPO / "environment.yml").read_text()


def test_binder_pins_every_dependency_inside_pyproject_ranges():
    wanted, pins = pyproject_requirements(), binder_pins()
    assert set(pins) == set(wanted)
    for name, version in pins.items():
        assert wanted[name].specifier.contains(Version(version.public)), (name, version, wanted[name])
    assert wanted["voila"].specifier.contains("0.5.11") and not wanted["voila"].specifier.contains("0.5.10")


def test_binder_takes_the_pip_path_with_cpu_only_pytorch():
    assert not (BINDER / "environment.yml").exists(), "repo2docker would take the conda path first"
    assert re.fullmatch(r"python-3\.(1[1-9])\n?", (BINDER / "runtime.txt").read_text())
    text = (BINDER / "requirements.txt").read_text()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text
    pins = binder_pins()
    assert pins["torch"].local == "cpu" and pins["torchvision"].local == "cpu"
    # torchvision X.Y.Z is built for torch 2.(Y-15).Z: a mismatched pair does not install
    assert pins["torchvision"].minor == pins["torch"].minor + 15


def test_post_build_is_strict_and_installs_the_settings_into_the_environment():
    lines = (BINDER / "postBuild").read_text().splitlines()
    assert lines[0] == "#!/usr/bin/env bash" and "set -euo pipefail" in lines[:5]
    text = "\n".join(lines)
    assert "pip install --no-deps -e ." in text and "python binder/fetch_data.py" in text
    assert 'target="$prefix/etc/jupyter/jupyter_server_config.json"' in text
    assert '"$prefix/etc/jupyter/voila.json"' in text
    assert os.access(BINDER / "postBuild", os.X_OK)


def test_voila_and_jupyter_server_settings_agree():
    voila = json.loads((REPO / "voila.json").read_text())
    server = json.loads((REPO / "jupyter_config" / "jupyter_server_config.json").read_text())
    assert voila["MappingKernelManager"] == server["MappingKernelManager"]
    assert voila["MappingKernelManager"]["cull_idle_timeout"] > 0
    size = voila["Voila"]["tornado_settings"]["websocket_max_message_size"]
    assert size == server["ServerApp"]["tornado_settings"]["websocket_max_message_size"]
    assert size == WEBSOCKET_LIMIT_BYTES > MAX_UPLOAD_BYTES, (
        "an upload of up to 10 MB must reach the app's own size check"
    )
    assert voila["VoilaConfiguration"]["show_tracebacks"] is False


def shared_data():
    root = Path(os.environ.get("MEMLAB_DATA", REPO.parent / "shared" / "data"))
    if not (root / "MNIST" / "raw").is_dir():
        pytest.skip("needs the datasets in $MEMLAB_DATA")
    return root


def fetch_data(data_root, tmp_path):
    env = {
        **os.environ,
        "MEMLAB_DATA": str(data_root),
        "MEMLAB_OFFLINE": "1",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    return subprocess.run(
        [sys.executable, "binder/fetch_data.py"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )


def test_fetch_data_verifies_the_shared_copy_without_downloading(tmp_path):
    result = fetch_data(shared_data(), tmp_path)  # offline: any download attempt would fail
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("verified") == 2


def test_fetch_data_fails_the_build_on_a_file_with_wrong_bytes(tmp_path):
    good = shared_data()
    bad = tmp_path / "data"
    for folder in ("MNIST", "FashionMNIST"):
        (bad / folder / "raw").mkdir(parents=True)
        for f in (good / folder / "raw").iterdir():
            (bad / folder / "raw" / f.name).symlink_to(f)
    labels = bad / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    content = bytearray(labels.read_bytes())
    content[-1] = (content[-1] + 1) % 10  # one label changed: still a valid file for memlab
    labels.unlink()
    labels.write_bytes(bytes(content))
    result = fetch_data(bad, tmp_path)
    assert result.returncode == 1
    assert "t10k-labels-idx1-ubyte has the wrong SHA-256" in result.stderr


def test_start_points_memlab_at_the_data_and_indexes_post_build_installed():
    def folders(**env):
        run_env = {k: v for k, v in os.environ.items() if k not in ("MEMLAB_DATA", "MEMLAB_CACHE")} | env
        result = subprocess.run(
            [
                str(BINDER / "start"),
                sys.executable,
                "-c",
                "import os; print(os.environ['MEMLAB_DATA'], os.environ['MEMLAB_CACHE'])",
            ],
            env=run_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        return tuple(result.stdout.split())

    assert folders(NB_PYTHON_PREFIX="/srv/env") == (
        "/srv/env/share/memlab/data/datasets",
        "/srv/env/share/memlab/cache",
    )
    assert folders(NB_PYTHON_PREFIX="/srv/env", MEMLAB_DATA="/data", MEMLAB_CACHE="/c") == ("/data", "/c")  # kept
    post_build = (BINDER / "postBuild").read_text()
    assert 'export MEMLAB_DATA="${MEMLAB_DATA:-$prefix/share/memlab/data/datasets}"' in post_build
    assert 'export MEMLAB_CACHE="${MEMLAB_CACHE:-$prefix/share/memlab/cache}"' in post_build
    assert "python -m memlab prepare" in post_build
