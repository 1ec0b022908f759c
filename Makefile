# Front Door: `make run` starts the platform on the embedded stack; `make test` runs every test.
# Needs only Python 3.11+ and make: the first target installs uv into .tools/ and the workspace into .venv/.
SHELL := /bin/bash
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: help venv run test test-unit test-integration test-e2e faults bench lint typecheck contracts asyncapi govuk-assets audit clean

help:
	@echo "make run    start Front Door on the embedded stack (PostgreSQL + Tansu) and print where to go"
	@echo "make test   run unit, contract, integration, e2e and quick fault tests"
	@echo "make faults run every fault-injection scenario"
	@echo "make bench  run the benchmarks"
	@echo "make audit  check the locked dependencies for known vulnerabilities"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==0.13.9"

$(VENV)/.synced: $(UV) uv.lock pyproject.toml shared/pyproject.toml cli/pyproject.toml services/*/pyproject.toml
	$(UV) sync --frozen --all-packages --python $(PYTHON)
	@touch $@

venv: $(VENV)/.synced

run: venv
	$(VENV)/bin/frontdoor run

test: venv
	$(VENV)/bin/pytest -q shared/tests services/*/tests bench/tests tests/contracts tests/e2e tests/security tests/browser tests/faults -m "not slow_faults"

test-unit: venv
	$(VENV)/bin/pytest -q shared/tests/unit services/*/tests/unit tests/contracts

faults: venv
	$(VENV)/bin/pytest -q -s -p no:warnings tests/faults

bench: venv
	$(VENV)/bin/python -m bench

lint: venv
	$(VENV)/bin/ruff check .

typecheck: venv
	$(VENV)/bin/mypy shared/src services/*/src cli/src

contracts: venv
	$(VENV)/bin/frontdoor contracts export

asyncapi: contracts

# The vendored GOV.UK Frontend stylesheet, rebuilt from its Sass for a service not on GOV.UK (Arial,
# not GDS Transport): needs Node.js and npm, and only when govuk-frontend is upgraded; the built
# file is committed, so running and testing Front Door need neither.
GOVUK_ASSETS = shared/govuk-assets
govuk-assets:
	cd $(GOVUK_ASSETS) && npm ci --no-audit --no-fund && node_modules/.bin/sass --style=compressed --no-source-map \
		--quiet-deps --silence-deprecation=import frontdoor-govuk.scss ../src/frontdoor_shared/govuk/static/govuk-frontend.min.css
	cp $(GOVUK_ASSETS)/node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js shared/src/frontdoor_shared/govuk/static/

# Known vulnerabilities in the locked dependencies (pip-audit: PyPI, then OSV): fails on one;
# prints "blocked: <reason>" and passes when no vulnerability database can be reached.
audit: venv
	$(VENV)/bin/python -m frontdoor_cli.audit

clean:
	rm -rf $(VENV) $(TOOLS)
