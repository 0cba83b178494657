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

.PHONY: test check lint dashboard lab setup bench loadtest crowd clean student-release

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

test: setup lint hub-proxy
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

# The student release: branch `student` (the student lessons, the dashboard, memlab, binder/; no solutions),
# a new commit made from HEAD without touching the working tree. Publish it: git push origin student
student-release: setup
	$(PY) -m memlab.teaching.release

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

# Two dashboard servers behind Debian's nginx (docs/deploy.md "Several servers"), on loopback, against one
# server alone: prints visitors per server and click p50/p95 (test-artifacts/several-servers/figures.json)
.PHONY: several-servers
several-servers: setup
	$(PY) -m pytest tests/server/test_several_servers.py -s -q -p no:cacheprovider

# A class on JupyterHub (deploy/jupyterhub/), on loopback: the proxy is configurable-http-proxy from npm,
# installed into .hub-node/ (never globally). `make hub` prints the address and the login; Ctrl-C stops it.
HUB_PROXY := .hub-node/node_modules/.bin/configurable-http-proxy
HUB_PORT ?= 8000
.PHONY: hub hub-proxy hub-test
$(HUB_PROXY):
	npm install --prefix .hub-node --no-audit --no-fund --loglevel=error configurable-http-proxy@5
hub-proxy: $(HUB_PROXY)

hub: setup $(HUB_PROXY)
	@password=$${MEMLAB_HUB_PASSWORD:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(9))')}; \
	teacher=$${MEMLAB_HUB_TEACHER_PASSWORD:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(24))')}; \
	echo "memlab hub: http://127.0.0.1:$(HUB_PORT)/  students: any name, password $$password"; \
	echo "            teacher (admin): name teacher, password $$teacher"; \
	echo "lessons (after make student-release): http://127.0.0.1:$(HUB_PORT)/hub/user-redirect/git-pull?repo=file://$(CURDIR)&branch=student&targetpath=memlab&urlpath=lab/tree/memlab/00-index.ipynb"; \
	MEMLAB_HUB_PASSWORD=$$password MEMLAB_HUB_TEACHER_PASSWORD=$$teacher MEMLAB_HUB_PORT=$(HUB_PORT) \
	  $(VENV)/bin/jupyterhub -f deploy/jupyterhub/jupyterhub_config.py

# 10 students on that hub (tests/server/test_jupyterhub.py), with its figures (test-artifacts/jupyterhub/figures.json)
hub-test: setup $(HUB_PROXY)
	$(PY) -m pytest tests/server/test_jupyterhub.py -s -q -p no:cacheprovider

clean:
	rm -rf $(VENV) runs test-artifacts .binder-venv .hub-node .nbgrader-venv
