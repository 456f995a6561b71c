# Two commands: `make run` starts everything on development defaults, `make test` runs every test.
# Both set up what is missing first (system packages, the services virtual environment).

PYTHON_SERVICES ?= python3.11
# Rasa 3.6 needs Python 3.10: pyenv's (3.10.13 on our machines), else any python3.10 on PATH.
PYENV_ROOT_DIR := $(shell pyenv root 2>/dev/null || echo $(HOME)/.pyenv)
PYTHON_ASSISTANT ?= $(firstword $(wildcard $(PYENV_ROOT_DIR)/versions/3.10.*/bin/python3.10) $(shell command -v python3.10 2>/dev/null))
SERVICES_VENV := .venv-services
SERVICES_PY := $(SERVICES_VENV)/bin/python
SERVICES_STAMP := $(SERVICES_VENV)/.installed
ASSISTANT_VENV := .venv-assistant
ASSISTANT_PY := $(ASSISTANT_VENV)/bin/python
ASSISTANT_STAMP := $(ASSISTANT_VENV)/.installed
SERVICES_TESTS := tests/bot tests/hotline tests/bench tests/checks tests/tools
ASSISTANT_TESTS := tests/bot tests/translations tests/nlu tests/actions tests/dialogue tests/channels tests/assistant tests/security

.PHONY: run test lint setup system-packages services-venv assistant-venv model models bench clean

run: setup model
	$(SERVICES_PY) -m tools.run_all

test: setup model
	$(SERVICES_PY) -m pytest $(SERVICES_TESTS) $(PYTEST_ARGS)
	$(ASSISTANT_PY) -m pytest $(ASSISTANT_TESTS) $(PYTEST_ARGS)

setup: system-packages services-venv assistant-venv

# Also part of `make test` (tests/checks/): ruff on the whole tree, and the import contract.
lint: services-venv
	$(SERVICES_PY) -m ruff check .
	$(SERVICES_PY) -m tools.import_contract

model: assistant-venv
	$(ASSISTANT_PY) -m tools.train_model

# Machine-translation models, offline: every .argosmodel in ARGOS_MODELS_DIR goes into ARGOS_PACKAGES_DIR
# (default var/argos-packages) through argostranslate's own installer. No network call.
models: services-venv
	@test -n "$(ARGOS_MODELS_DIR)" || { echo "usage: make models ARGOS_MODELS_DIR=<folder of .argosmodel files>"; exit 2; }
	$(SERVICES_PY) -m hotline.machine_translation.install "$(ARGOS_MODELS_DIR)"

system-packages:
	@tools/ensure_system_packages.sh

services-venv: $(SERVICES_STAMP)

$(SERVICES_STAMP): requirements/services.txt requirements/services-test.txt
	@echo "creating $(SERVICES_VENV) (Python 3.11, services runtime)"
	test -x $(SERVICES_PY) || $(PYTHON_SERVICES) -m venv $(SERVICES_VENV)
	$(SERVICES_PY) -m pip install --quiet --disable-pip-version-check -r requirements/services-test.txt
	touch $@

assistant-venv: $(ASSISTANT_STAMP)

$(ASSISTANT_STAMP): requirements/assistant.txt
	@echo "creating $(ASSISTANT_VENV) (Python 3.10, Rasa 3.6; about 2 minutes and 2.7 GB the first time)"
	test -x $(ASSISTANT_PY) || $(PYTHON_ASSISTANT) -m venv $(ASSISTANT_VENV)
	$(ASSISTANT_PY) -m pip install --quiet --disable-pip-version-check -r requirements/assistant.txt
	touch $@

bench: setup
	$(SERVICES_PY) -m bench.bench_suggest
	$(SERVICES_PY) -m bench.bench_open311_post
	$(SERVICES_PY) -m bench.bench_notifier
	$(SERVICES_PY) -m bench.bench_dispatch
	$(SERVICES_PY) -m bench.bench_dispatch_week
	$(SERVICES_PY) -m bench.bench_duplicates
	$(ASSISTANT_PY) -m bench.bench_notifications_e2e
	$(ASSISTANT_PY) -m bench.bench_wechat
	$(ASSISTANT_PY) -m bench.bench_detect
	$(ASSISTANT_PY) -m bench.bench_telegram
	$(ASSISTANT_PY) -m bench.bench_nlu_eval
	$(ASSISTANT_PY) -m bench.bench_assistant
	$(SERVICES_PY) -m bench.bench_security_cost
	$(SERVICES_PY) -m bench.bench_conversation_repair
	$(ASSISTANT_PY) -m bench.bench_repair_sets
	$(SERVICES_PY) -m bench.bench_turn_history
	$(ASSISTANT_PY) -m bench.bench_deployed
	$(ASSISTANT_PY) -m bench.bench_day

clean:
	rm -rf $(SERVICES_VENV) $(ASSISTANT_VENV) var models .rasa .pytest_cache
