"""`memlab prepare` fills the per-machine cache (moved from tests/fast/test_disk_cache.py: it exports every
model to ONNX and builds both datasets' indexes and baselines, ~2 min)."""

import os
import subprocess
import sys

import pytest
from conftest import share_onnx_exports


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMLAB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_memlab_prepare_fills_the_cache_and_names_a_typo(cache, onnx_exports):
    share_onnx_exports(cache, onnx_exports)  # exported once a session, shared with the ONNX tests
    env = {**os.environ, "MEMLAB_CACHE": str(cache)}
    result = subprocess.run(
        [sys.executable, "-m", "memlab", "prepare", "mnist"], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    assert "mnist: search index" in result.stdout and str(cache) in result.stdout
    assert {p.name.split("-")[0] for p in cache.glob("*-*")} >= {"index", "baseline", "look"}
    typo = subprocess.run(
        [sys.executable, "-m", "memlab", "prepare", "mnst"], env=env, capture_output=True, text=True, timeout=120
    )
    assert typo.returncode == 2 and "Unknown dataset 'mnst'" in typo.stderr
