# memlab: `make dashboard` runs the app, `make test` runs the tests. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# PyTorch: this pin lies on the project's build machines' disk. Elsewhere, for a small CPU-only
# install, run e.g. `make test TORCH_INDEX=https://download.pytorch.org/whl/cpu`.
TORCH := torch==2.14.1 torchvision==0.29.1
TORCH_INDEX ?=
PIP_TORCH_INDEX := $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX),)

.PHONY: test dashboard setup bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(PIP_TORCH_INDEX) $(TORCH)
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

setup: $(VENV)/.installed

test: setup
	$(PY) -m pytest -q --durations=5

dashboard: setup
	$(VENV)/bin/memlab dashboard

# benchmarks/results.json and docs/benchmarks.md (about 15 minutes; BENCH_ARGS=--quick for 3)
bench: setup
	cd benchmarks && ../$(PY) run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) runs test-artifacts
