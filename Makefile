# Two commands: `make run` starts everything on development defaults, `make test` runs every test.
# Both set up what is missing first (system packages, the services virtual environment).

PYTHON_SERVICES ?= python3.11
SERVICES_VENV := .venv-services
SERVICES_PY := $(SERVICES_VENV)/bin/python
SERVICES_STAMP := $(SERVICES_VENV)/.installed

.PHONY: run test setup system-packages services-venv bench clean

run: setup
	$(SERVICES_PY) -m tools.run_all

test: setup
	$(SERVICES_PY) -m pytest $(PYTEST_ARGS)

setup: system-packages services-venv

system-packages:
	@tools/ensure_system_packages.sh

services-venv: $(SERVICES_STAMP)

$(SERVICES_STAMP): requirements/services.txt requirements/services-test.txt
	@echo "creating $(SERVICES_VENV) (Python 3.11, services runtime)"
	test -x $(SERVICES_PY) || $(PYTHON_SERVICES) -m venv $(SERVICES_VENV)
	$(SERVICES_PY) -m pip install --quiet --disable-pip-version-check -r requirements/services-test.txt
	touch $@

bench: setup
	$(SERVICES_PY) -m bench.bench_suggest
	$(SERVICES_PY) -m bench.bench_open311_post

clean:
	rm -rf $(SERVICES_VENV) var .pytest_cache
