# memlab: `make dashboard` runs the app, `make test` runs the tests. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# PyTorch: CPU-only wheels (~190 MB) from PyTorch's CPU index where it answers (a quick probe);
# otherwise (our build machines, which cannot reach it) the default index, whose Linux wheel brings
# ~3 GB of CUDA libraries. Force either with `make test TORCH_INDEX=` (default index) or
# `TORCH_INDEX=https://download.pytorch.org/whl/cpu`. The pin lies on our build machines' disk.
TORCH := torch==2.14.1 torchvision==0.29.1
CPU_INDEX := https://download.pytorch.org/whl/cpu
PROBE := import urllib.request as u; u.urlopen('$(CPU_INDEX)/torch/', timeout=5)
N ?= 10
# The datasets: $MEMLAB_DATA, else ../shared/data where it exists (our build machines; the tests and
# .ci/run look there too), else memlab downloads them into ~/.cache/memlab/data/datasets on first use.
ifeq ($(origin MEMLAB_DATA),undefined)
ifneq ($(wildcard ../shared/data/MNIST),)
export MEMLAB_DATA := $(abspath ../shared/data)
endif
endif

.PHONY: test check lint dashboard lab setup bench loadtest crowd clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	@# --extra-index-url: pip takes the highest match, and 2.14.1+cpu sorts above 2.14.1
	@index='$(if $(filter undefined,$(origin TORCH_INDEX)),probe,$(TORCH_INDEX))'; \
	if [ "$$index" = probe ]; then \
	  if $(PYTHON) -c "$(PROBE)" >/dev/null 2>&1; then index=$(CPU_INDEX); else index=; fi; fi; \
	if [ -n "$$index" ]; then echo "PyTorch: CPU-only build from $$index"; \
	else echo "PyTorch: from the default index (PyTorch's CPU index is not reachable from here)"; fi; \
	$(PY) -m pip install -q $${index:+--extra-index-url $$index} $(TORCH)
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

test: setup lint
	$(PY) -m pytest -q --durations=5

# ruff: the lint rules and the format of pyproject.toml's [tool.ruff], zero findings (`ruff format .` fixes the layout)
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The fast tier is a folder: tests/fast (a few minutes on 2 cores from a warm .venv). The others (slow,
# server, browser, notebooks, replay) run in `make test`, which CI runs.
check: setup lint
	$(PY) -m pytest -q tests/fast --durations=5

dashboard: setup
	$(VENV)/bin/memlab dashboard

lab: setup
	$(VENV)/bin/jupyter lab student/00-index.ipynb

# benchmarks/results.json and docs/benchmarks.md (about 15 minutes; BENCH_ARGS=--quick for 3)
bench: setup
	cd benchmarks && ../$(PY) run.py $(BENCH_ARGS)

# N students on one dashboard server (loopback, stops itself within 30 minutes): benchmarks/loadtest.json, docs/deploy.md
loadtest: setup
	$(PY) benchmarks/loadtest.py --students $(N)

# memlab's dashboard and the Gradio anchor (one process, the original demo's shape) under the same class,
# back to back for each N (at most ~23 min per N): benchmarks/results.json's "crowd", docs/benchmarks.md
crowd: setup
	$(PY) -m pip install -q -e '.[bench]'
	cd benchmarks && ../$(PY) crowd.py --students $(N)

clean:
	rm -rf $(VENV) runs test-artifacts .binder-venv
