# Smart inspection platform (智慧监察): one entry point for running, testing and operating it.
# `make` (or `make help`) lists the targets. Every target installs what it needs, so a fresh
# clone only needs python3 + pip and a running PostgreSQL and RabbitMQ.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
TOOLS := $(ROOT)/.tools
# uv from PATH, else a private copy installed with pip into .tools/ (no root, no PEP 668 issue).
UV := $(or $(shell command -v uv 2>/dev/null),$(TOOLS)/bin/uv)
COMPOSE := $(or $(shell command -v docker-compose 2>/dev/null),docker-compose)

# The local stack (scripts/stack.py); override to run a second, isolated one.
STATE_DIR ?= var/stack
PORT_BASE ?= 8001
DB_SUFFIX ?=
BUS_PREFIX ?=
SERVICES ?= intake,cases,credit,notify,publish
STACK := $(PY) scripts/stack.py --state-dir $(STATE_DIR) --port-base $(PORT_BASE) \
	--db-suffix "$(DB_SUFFIX)" --bus-prefix "$(BUS_PREFIX)"
FOLLOW ?= 1
PURGE ?=
SERVICE ?=
ROLE ?=
DISTRICT ?=
MESSAGE_ID ?=
ARGS ?=

INSTALLED := $(VENV)/.installed
LOCK_INPUTS := uv.lock pyproject.toml contracts/pyproject.toml libs/pyproject.toml \
	$(wildcard services/*/pyproject.toml)
DOMAIN_MODULES = $(shell find services -path '*/src/*' \( -name rules.py -o -path '*/domain/*.py' -o -path '*/casefile/*.py' -o -name procedure.py \) \
	-not -path '*/tests/*' | sort)

.PHONY: help install lock up down status logs token test lint contracts definitions \
	compose-check bench demo dlq-list dlq-replay infra tools

help: ## Show this help
	@echo "Usage: make <target> [VAR=value ...]"
	@echo
	@awk 'BEGIN {FS = ":.*?## "} /^[a-zA-Z_-]+:.*?## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo
	@echo "Stack variables: STATE_DIR=$(STATE_DIR) PORT_BASE=$(PORT_BASE) DB_SUFFIX=$(DB_SUFFIX)" \
		"BUS_PREFIX=$(BUS_PREFIX) SERVICES=$(SERVICES)"

# --- installation ----------------------------------------------------------------------------

$(TOOLS)/bin/uv:
	python3 -m pip install --quiet --disable-pip-version-check --target $(TOOLS) uv

uv.lock: | $(UV)
	$(UV) lock

$(INSTALLED): $(LOCK_INPUTS) | $(UV)
	@$(UV) sync --all-packages --locked || { \
		echo "uv sync failed; if a pyproject.toml changed, run 'make lock' and commit uv.lock" >&2; \
		exit 1; }
	@touch $@

install: | $(UV) ## Install uv if missing and sync the workspace venv from uv.lock (--locked)
	@$(UV) sync --all-packages --locked
	@touch $(INSTALLED)

lock: | $(UV) ## Re-resolve dependencies into uv.lock after a pyproject.toml change
	$(UV) lock

tools: ## Install docker-compose (Debian's 1.29, to config-check the compose file) if absent
	@command -v docker-compose >/dev/null && exit 0; \
	if command -v apt-get >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo "sudo -n" ); \
		{ $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq docker-compose >/dev/null; } \
			|| echo "warning: could not install docker-compose with apt; tests/deploy will fail" >&2; \
	else \
		echo "warning: apt-get unavailable, docker-compose not installed; tests/deploy will fail" >&2; \
	fi

infra: ## Start the local PostgreSQL and RabbitMQ if they do not answer, and wait for them
	@scripts/infra.sh

# --- the local stack -------------------------------------------------------------------------

up: $(INSTALLED) ## Start the five services as local processes, seed and print credentials (SERVICES=intake,cases)
	@$(STACK) up --services $(SERVICES)

down: ## Stop the processes `make up` started (PURGE=1 also drops its databases and prefixed queues)
	@if [ -x $(PY) ]; then $(STACK) down $(if $(filter 1,$(PURGE)),--purge); \
	else echo "nothing installed, nothing running"; fi

status: $(INSTALLED) ## Show each process and its /readyz (exit 1 unless all ready)
	@$(STACK) status

logs: $(INSTALLED) ## Tail the service logs (SERVICE=cases to pick one, FOLLOW=0 to print and exit)
	@$(STACK) logs $(if $(filter 1,$(FOLLOW)),-f) $(SERVICE)

token: $(INSTALLED) ## Mint a development staff token: make token ROLE=officer_a DISTRICT=d01|city
	@$(if $(ROLE),,echo "usage: make token ROLE=officer_a DISTRICT=d01|city (detachment_chief, ops: city-wide without one)" >&2; exit 2;) \
	$(VENV)/bin/labor-ops token --role $(ROLE) $(if $(DISTRICT),--district $(DISTRICT))

dlq-list: $(INSTALLED) ## List a service's dead letters: make dlq-list SERVICE=cases
	@$(if $(SERVICE),,echo "usage: make dlq-list SERVICE=cases" >&2; exit 2;) \
	$(VENV)/bin/labor-ops --bus-prefix "$(BUS_PREFIX)" dlq list --service $(SERVICE)

dlq-replay: $(INSTALLED) ## Replay dead letters: make dlq-replay SERVICE=cases [MESSAGE_ID=id] (default all)
	@$(if $(SERVICE),,echo "usage: make dlq-replay SERVICE=cases [MESSAGE_ID=...]" >&2; exit 2;) \
	$(VENV)/bin/labor-ops --bus-prefix "$(BUS_PREFIX)" dlq replay --service $(SERVICE) \
		$(if $(MESSAGE_ID),--message-id $(MESSAGE_ID),--all)

# --- quality ---------------------------------------------------------------------------------

test: $(INSTALLED) infra tools ## Run every test on the real PostgreSQL and RabbitMQ (ARGS=... for pytest)
	@rc=0; $(UV) run --locked --all-packages pytest -q $(ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; fi; \
	exit $$rc

lint: $(INSTALLED) ## Ruff on everything; mypy --strict on contracts and the services' domain modules
	$(VENV)/bin/ruff check .
	MYPYPATH=$(ROOT)/libs/src $(VENV)/bin/mypy --strict --follow-imports=silent \
		contracts/src/labor_contracts libs/src/labor_runtime $(DOMAIN_MODULES)

contracts: $(INSTALLED) ## Regenerate the committed JSON Schemas / AsyncAPI (python -m labor_contracts)
	$(PY) -m labor_contracts

definitions: $(INSTALLED) ## Regenerate deploy/rabbitmq/definitions.json from the services' queues
	$(PY) scripts/rabbitmq_definitions.py

compose-check: tools ## Validate docker-compose.yml (docker-compose config -q)
	$(COMPOSE) -f docker-compose.yml config -q

# --- harnesses (written by the lead) ---------------------------------------------------------

bench: $(INSTALLED) ## Load and latency benchmark (bench/run.py; ARGS=... passed on)
	$(PY) -m bench.run $(ARGS)

demo: $(INSTALLED) ## Walk one complaint through the stack of `make up` (same stack variables; ARGS=...)
	$(PY) scripts/demo.py --state-dir $(STATE_DIR) --port-base $(PORT_BASE) --db-suffix "$(DB_SUFFIX)" \
		--bus-prefix "$(BUS_PREFIX)" --services $(SERVICES) $(ARGS)
