# Ember's front door: `make run` to talk to it, `make test` to check everything.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Conversations are private: Rasa must never phone home, not even crash reports.
export RASA_TELEMETRY_ENABLED := false

VENV      := .venv
PY        := $(VENV)/bin/python
# Rasa's command line with Ember's changes to Rasa applied (ember/server/patches.py).
RASA      := $(PY) -m ember.server
STAMP     := $(VENV)/.installed
MODEL     := models/ember.tar.gz
# PROFILE=prod: PostgreSQL tracker store and Redis lock store, set by environment variables
# (docs/deployment.md). ENDPOINTS names any other endpoints file.
PROFILE   ?= default
ENDPOINTS ?= $(if $(filter prod,$(PROFILE)),endpoints.prod.yml,endpoints.yml)
# Everything a trained model depends on, derived from the folders: the domain, the training
# data, and the code loaded into a model (NLU components, policies, the risk reading and the
# patches). Retrain when any of it changes, and only then.
# npm ci writes this file last, so it marks a complete install of web/package-lock.json.
WEB_STAMP := web/node_modules/.package-lock.json
# Debian's Chromium drives the browser tests; Playwright never downloads a browser of its own.
CHROMIUM  ?= /usr/bin/chromium
# Debian's nginx serves Ember over HTTPS in `make run-https` and in the browser tests.
NGINX     ?= /usr/sbin/nginx
MODEL_INPUTS := config.yml $(wildcard domain/*.yml) $(shell find data -name '*.yml') \
                $(shell find ember/server ember/core -name '*.py')

.PHONY: help install run run-https nginx-installed shell train validate test test-unit test-nlu test-core test-e2e \
        test-scaleout test-browser test-conversations test-heldout helplines lint freeze clean evaluate bench test-bench \
        forget prune stories studio

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt tools/find_python310.sh
	@test -x $(PY) || { py=$$(tools/find_python310.sh) && "$$py" -m venv $(VENV); }
	@$(PY) -c 'import sys; assert sys.version_info[:2] == (3, 10), "the .venv is not Python 3.10: make clean, then retry"'
	$(PY) -m pip install --quiet --upgrade "pip==26.3" "wheel==0.45.1"
	$(PY) -m pip install --quiet --no-build-isolation -c constraints.txt -e ".[dev]"
	@touch $@

$(WEB_STAMP): web/package.json web/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20 with npm (the web page's Socket.IO client comes from the npm registry)"; exit 1; }
	npm ci --prefix web --no-audit --no-fund
	@touch $@

install: $(STAMP) $(WEB_STAMP) ## create .venv (Python 3.10) and web/node_modules with the pinned dependencies

$(MODEL): $(STAMP) $(MODEL_INPUTS)
	$(RASA) train --domain domain --fixed-model-name ember --out models
	@touch $@

train: $(MODEL) ## train a model if none exists or its inputs changed

run: $(MODEL) $(WEB_STAMP) ## set up, train if needed, start Ember and its web page (PROFILE=prod: PostgreSQL + Redis)
	$(PY) -m tools.serve --endpoints $(ENDPOINTS)

run-https: $(MODEL) $(WEB_STAMP) ## Ember on one origin behind nginx over HTTPS, with a certificate made for localhost (docs/embedding.md)
	EMBER_NGINX=$(NGINX) $(PY) -m tools.local_https --endpoints $(ENDPOINTS)

shell: $(MODEL) ## chat with Ember in the terminal (Rasa shell, action server running)
	$(PY) -m tools.serve --shell

validate: $(STAMP) ## check training data, stories, domain and the content library
	$(PY) -m tools.validate
	$(PY) -m ember.core.content_library

# FROM: a transcript, tracker JSON, a folder of them, a SQLite file or SQL URL; default: the
# tracker store in endpoints.yml. SINCE=YYYY-MM-DD, THRESHOLD=0.6, INCLUDE_SENSITIVE=1.
# Not echoed: FROM may be a database URL with a password.
stories: $(MODEL) ## transcripts to stories + NLU examples for review (FROM=..., docs/training-from-conversations.md)
	@$(PY) -m tools.transcripts $(if $(FROM),"$(FROM)",) $(if $(SINCE),--since $(SINCE),) \
		$(if $(THRESHOLD),--threshold $(THRESHOLD),) $(if $(INCLUDE_SENSITIVE),--include-sensitive,)

# The review studio on 127.0.0.1:$(EMBER_STUDIO_PORT), over the tracker store of ENDPOINTS;
# any user name, the password EMBER_STUDIO_TOKEN or var/studio_token (docs/review-studio.md).
# Not tied to $(MODEL): a save changes data/, and the studio must not retrain on every start.
EMBER_STUDIO_PORT ?= 5057
studio: $(STAMP) ## review conversations in the browser, correct them, save training data (PROFILE=prod)
	$(PY) -m ember.services.studio --port $(EMBER_STUDIO_PORT) --endpoints $(ENDPOINTS)

helplines: $(STAMP) ## re-render the crisis/abuse/support responses from helplines.yml
	$(PY) -m tools.sync_helplines

lint: $(STAMP) ## ruff (lint and format), mypy on ember/core and actions
	$(VENV)/bin/ruff check actions ember tools tests
	$(VENV)/bin/ruff format --check actions ember tools tests
	$(VENV)/bin/mypy

# nginx for the HTTPS tests (tests/tools/test_local_https.py, tests/browser), installed like
# Chromium; without it those tests skip, saying why, and fail under CI=true.
nginx-installed:
	@test -x $(NGINX) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's nginx for the HTTPS tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	  else \
	    echo "nginx is missing (Debian: sudo apt-get install nginx, or NGINX=/path/to/nginx): the HTTPS tests skip, and fail under CI=true"; \
	  fi; }

test-unit: $(STAMP) $(WEB_STAMP) nginx-installed
	EMBER_NGINX=$(NGINX) $(PY) -m pytest -m "not e2e and not model and not scaleout and not browser"

test-nlu: $(MODEL)
	$(RASA) test nlu --domain domain --nlu tests/nlu/test_nlu.yml -m $(MODEL) --out results/nlu --no-plot
	$(PY) -m tools.check_nlu_report results/nlu/intent_report.json --min-macro-f1 0.90

test-core: $(MODEL)
	$(RASA) test core --stories tests/stories -m $(MODEL) --out results/core \
		--fail-on-prediction-errors --no-plot

# The conversation suite (tests/conversations, written by someone who had not read data/):
# every user turn parsed by the trained model. At least 95% of turns right in intent and
# actions, every crisis turn answered with the crisis reply, and no crisis reply elsewhere.
CONVERSATION_TURNS_MIN ?= 0.95
test-conversations: $(MODEL)
	@rm -rf results/conversations && mkdir -p results
	$(RASA) test core --e2e --stories tests/conversations -m $(MODEL) --out results/conversations \
		--no-plot > results/conversations.log 2>&1 || { tail -20 results/conversations.log; exit 1; }
	$(PY) -m tools.check_conversations results/conversations --min-turns $(CONVERSATION_TURNS_MIN)

# Held-out examples (NLU, crisis sets, conversations) that nearly copy training examples.
test-heldout: $(STAMP)
	$(PY) -m tools.heldout_overlap

test-e2e: $(MODEL) $(WEB_STAMP)
	$(PY) -m pytest -m "e2e or model"

# Skips, saying why, when PostgreSQL or Redis is not reachable; fails instead when CI=true.
test-scaleout: $(MODEL)
	$(PY) -m pytest -m scaleout

test-browser: $(MODEL) $(WEB_STAMP) nginx-installed ## the web page in headless Chromium (screenshots of failures: results/browser/)
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing: install it (Debian: sudo apt-get install chromium) or set CHROMIUM=/path/to/chromium"; \
	    exit 1; \
	  fi; }
	EMBER_CHROMIUM=$(CHROMIUM) EMBER_NGINX=$(NGINX) $(PY) -m pytest -m browser

evaluate: $(MODEL) ## quality report: held-out NLU, test stories, crisis sets, story graph
	$(PY) -m tools.evaluate

bench: $(MODEL) ## Ember vs stock rasa init: training, start-up, memory, latency, throughput
	$(PY) -m tools.bench $(if $(QUICK),--quick,)

# make test only checks that one short round runs and writes its report; figures are printed.
test-bench: $(MODEL)
	rm -f reports/bench.json reports/bench.md
	$(MAKE) --no-print-directory bench QUICK=1
	test -s reports/bench.json && test -s reports/bench.md

test: lint test-unit validate test-heldout test-nlu test-core test-conversations test-e2e test-scaleout test-browser test-bench ## run every test (what CI runs)

freeze: $(STAMP) ## re-pin constraints.txt from the current virtualenv
	{ head -n 1 constraints.txt; $(PY) -m pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

forget: $(STAMP) ## erase one conversation: make forget SENDER=<id> [PROFILE=prod]
	@test -n "$(SENDER)" || { echo "usage: make forget SENDER=<conversation id>" >&2; exit 2; }
	$(PY) -m tools.privacy --endpoints $(ENDPOINTS) forget '$(subst ','\'',$(SENDER))'

prune: $(STAMP) ## erase conversations idle for DAYS days: make prune DAYS=<n> [PROFILE=prod]
	@test -n "$(DAYS)" || { echo "usage: make prune DAYS=<number of days>" >&2; exit 2; }
	$(PY) -m tools.privacy --endpoints $(ENDPOINTS) prune '$(subst ','\'',$(DAYS))'

clean: ## remove the virtualenv, web/node_modules, models and results (keeps var/)
	rm -rf $(VENV) web/node_modules models results reports .pytest_cache
