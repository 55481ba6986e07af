# make install | make run | make test  (see README.md)
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLAGDESK := $(VENV)/bin/flagdesk
PORT ?= 8000

# Debian packages: what building the dependencies needs (vpdq links FFmpeg's libraries), and
# what the test suite needs besides (ffmpeg makes synthetic test videos). Installed when missing.
BUILD_APT_PACKAGES := build-essential pkg-config libavcodec-dev libavformat-dev libavutil-dev \
                      libswscale-dev libavdevice-dev libavfilter-dev
# What flagdesk needs at run time: WeasyPrint draws PDFs (complaint files) with Pango.
# Evidence capture takes screenshots with Debian's chromium.
RUN_APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core chromium
APT_PACKAGES := chromium postgresql gettext ffmpeg dovecot-imapd poppler-utils
# Modules type-checked by mypy --strict (S21): services, queries, transitions, and the core
# modules that guard hostile input. Wildcards, so an app without the file is fine.
MYPY_FILES := $(wildcard flagdesk/*/services.py flagdesk/*/services/*.py \
                         flagdesk/*/queries.py flagdesk/*/queries/*.py \
                         flagdesk/cases/transitions.py flagdesk/site/platforms.py \
                         flagdesk/platforms/channels/*.py flagdesk/notices/transitions.py \
                         flagdesk/notices/replies/*.py flagdesk/core/panels.py \
                         flagdesk/notices/sla.py flagdesk/notices/alerts.py \
                         flagdesk/accounts/policy.py \
                         flagdesk/core/schemas.py flagdesk/core/ipscope.py \
                         flagdesk/core/hostlookup.py flagdesk/core/clientaddr.py \
                         flagdesk/core/uploads.py flagdesk/core/unavailable.py \
                         flagdesk/core/shutdown.py flagdesk/matching/media/slots.py \
                         flagdesk/core/spreadsheets.py flagdesk/core/error_reports.py \
                         flagdesk/core/logging.py flagdesk/core/middleware.py \
                         flagdesk/monitoring/fetcher/*.py flagdesk/monitoring/capture/*.py \
                         flagdesk/monitoring/bundle/*.py flagdesk/monitoring/storage.py \
                         flagdesk/monitoring/s3.py flagdesk/monitoring/schedule.py \
                         flagdesk/monitoring/judge.py flagdesk/monitoring/politeness.py \
                         flagdesk/monitoring/runner.py flagdesk/monitoring/manifest.py)

.PHONY: help install run test test-deps apt lint typecheck module-size pytest

help:
	@echo "make install   create .venv and install flagdesk into it"
	@echo "make run       migrate, load demo data, serve on http://127.0.0.1:$(PORT)/ with a worker"
	@echo "make test      static checks, then the test suite on SQLite and on PostgreSQL"

# Stamp files: re-installing only when pyproject.toml is newer keeps `make run` instant.
$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	@scripts/apt-ensure.sh $(BUILD_APT_PACKAGES) $(RUN_APT_PACKAGES)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test,bench,s3]'
	touch $@

install: $(VENV)/.installed

run: install
	$(FLAGDESK) migrate --noinput
	FLAGDESK_BASE_URL=$${FLAGDESK_BASE_URL:-http://127.0.0.1:$(PORT)} $(FLAGDESK) demo
	FLAGDESK_BASE_URL=$${FLAGDESK_BASE_URL:-http://127.0.0.1:$(PORT)} \
	  $(FLAGDESK) serve --port $(PORT) --mail-sink

apt:
	@scripts/apt-ensure.sh $(APT_PACKAGES)

test-deps: $(VENV)/.installed-test apt

lint: test-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(FLAGDESK) makemigrations --check --dry-run

typecheck: test-deps
	$(if $(MYPY_FILES),$(VENV)/bin/mypy $(MYPY_FILES),@echo "mypy: no files to check yet")

module-size: install
	$(PY) scripts/check_module_size.py

# Both pytest runs; pass options with e.g. `make pytest ARGS="-x -k smtp"`.
pytest: test-deps
	scripts/test.sh $(ARGS)

test: lint typecheck module-size pytest
