# ketaclinic — the two commands a newcomer needs are `make run` and `make test`.
# Everything else here is what those two are made of.

PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
CHROMIUM ?= /usr/bin/chromium
export DJANGO_SETTINGS_MODULE := ketaclinic.settings
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run setup test check lint typecheck imports rules pytest core-only bench bench-vitals browser pdf-libs demo clean

## run: set up, migrate the SQLite database under var/, load the demo clinic if empty, serve it
run: setup
	$(BIN)/ketaclinic run

## setup: create .venv and install the project with its development tools, and compile the
## project's sources once (the Makefile forbids writing bytecode during runs, so without this
## every `ketaclinic` command would compile them at start: 55-70 ms; docs/performance.md)
setup: pdf-libs $(STAMP)
	@$(BIN)/python -m compileall -q src

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

## test: set up and run every check (format, lint, types, import contracts, all tests)
test: setup browser check pytest

## check: format, lint, types, import contracts and the house rules (no tests)
check: lint typecheck imports rules

lint:
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/ruff check src tests benchmarks tools

typecheck:
	KETACLINIC_DEV=1 $(BIN)/mypy src tests benchmarks tools conftest.py

imports:
	$(BIN)/lint-imports

## rules: the house rules checked by a machine (tools/house_rules; CONTRIBUTING.md)
rules:
	KETACLINIC_DEV=1 $(BIN)/python -m tools.house_rules

pytest:
	KETACLINIC_DEV=1 HTTPS=False $(BIN)/pytest -p no:cacheprovider -n 2 --dist loadgroup

## core-only: the scientific core's tests in a venv without Django (proves the core stands alone)
core-only:
	test -x .venv-core/bin/python || $(PYTHON) -m venv .venv-core
	.venv-core/bin/python -m pip install --quiet numpy scipy simple-icd-10-cm==1.5.0 pytest hypothesis
	cd tests/core && PYTHONPATH=$(CURDIR)/src ../../.venv-core/bin/pytest -p no:cacheprovider -q -c /dev/null --rootdir=. --confcutdir=. .

## browser: install Debian's Chromium for the Playwright tests when it is missing
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; \
	fi

## pdf-libs: install the system libraries WeasyPrint needs (Pango, HarfBuzz, a font) when missing
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
pdf-libs:
	@missing=$$(for p in $(PDF_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null; then \
	    echo "Installing for the session record PDFs (WeasyPrint):" $$missing; \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	  else \
	    echo "warning: install Pango 1.44 or later for the session record PDFs (WeasyPrint):"; \
	    echo "  https://doc.courtbouillon.org/weasyprint/stable/first_steps.html"; \
	  fi; \
	fi

## bench: speed and memory benchmarks; results go to docs/performance.md by hand
bench: setup
	$(BIN)/python benchmarks/run.py

## bench-vitals: only the vitals endpoint against bare Django over HTTP (QUICK=1: a short run)
bench-vitals: setup
	BENCH_VITALS_QUICK=$(or $(QUICK),0) $(BIN)/python benchmarks/bench_vitals.py

clean:
	rm -rf $(VENV) .venv-core .mypy_cache .ruff_cache build *.egg-info src/*.egg-info
