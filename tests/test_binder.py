"""binder/, environment.yml and pyproject.toml must ask for the same packages."""

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"pytorch": "torch"}  # conda name -> pip name
NOT_PACKAGES = {"python", "pip", "cpuonly"}


def conda_packages(path):
    names = {}
    for line in path.read_text().split("dependencies:", 1)[1].splitlines():
        match = re.match(r"\s+- ([A-Za-z0-9_.-]+)\s*([<>=!].*)?$", line)
        if match and match.group(1) not in NOT_PACKAGES:
            names[CONDA_NAMES.get(match.group(1), match.group(1))] = (match.group(2) or "").strip()
    return names


def pyproject_packages():
    deps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    return {re.split(r"[<>=!]", d)[0].strip(): d[len(re.split(r"[<>=!]", d)[0]):].strip() for d in deps}


def test_binder_and_conda_environments_match_pyproject():
    expected = pyproject_packages()
    assert conda_packages(REPO / "binder" / "environment.yml") == expected
    assert conda_packages(REPO / "environment.yml") == expected


def test_binder_installs_memlab_and_prefetches_the_data():
    post_build = (REPO / "binder" / "postBuild").read_text()
    assert "pip install --no-deps -e ." in post_build and "data.load" in post_build
    assert "cpuonly" in (REPO / "binder" / "environment.yml").read_text()
