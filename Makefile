# Two entry points: `make lab` and `make test`. Both set up everything they need.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
TEST_STAMP := $(VENV)/.installed-test
LAB_STAMP := $(VENV)/.installed-lab

.PHONY: lab lab-setup test venv bench clean sysdeps kernelspec labextension-build

# Debian packages, installed with apt-get when missing (sudo -n when not root; CI runners
# have passwordless sudo). Without them things degrade, they do not break: the graph view
# falls back to an in-browser layout without graphviz's `dot`.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo -n)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(TEST_STAMP): $(PY) pyproject.toml
	$(PIP) install -q -e '.[test,notebook,lab]'
	touch $@

$(LAB_STAMP): $(TEST_STAMP)
	$(PIP) install -q -e '.[test,notebook,lab]'
	touch $@

venv: $(TEST_STAMP)

sysdeps:
	@command -v dot >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "make: installing graphviz (dot) with apt-get"; \
	    { $(SUDO) apt-get update -qq && $(APT_INSTALL) graphviz >/dev/null; } || \
	      echo "make: WARNING: could not install graphviz; graphs use the in-browser layout"; \
	  else echo "make: WARNING: no apt-get; install graphviz (dot) for the graph view"; fi; }

# The `cellax` kernelspec in the venv (the notebooks run on it); argv names $(PY).
kernelspec: $(TEST_STAMP)
	@$(PY) -m cellax_kernel install --sys-prefix >/dev/null

# Everything `lab` needs, without starting the server: the kernelspec and the prebuilt
# JupyterLab extension (an editable install skips pyproject's data-files, so copy it).
lab-setup: $(LAB_STAMP) sysdeps kernelspec
	@$(PY) -m cellax_labextension install --sys-prefix

# pytest exits 5 when it collected no tests: that must fail, not pass silently.
test: $(TEST_STAMP) sysdeps kernelspec
	$(PY) -m pytest -q -n 2 tests; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: no tests were collected"; fi; exit $$rc

lab: lab-setup
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks \
	  --MappingKernelManager.default_kernel_name=cellax $(LAB_ARGS)

# Only after editing labextension/src or style (needs node >= 18 and npm): rebuild the
# prebuilt extension whose output under labextension/cellax_labextension/ is committed.
labextension-build: $(LAB_STAMP)
	cd labextension && npm ci --no-audit --no-fund && PATH="$(abspath $(VENV))/bin:$$PATH" npm run build
	$(PY) -m cellax_labextension install --sys-prefix

bench: $(TEST_STAMP)
	$(PY) benchmarks/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build lib/*.egg-info
