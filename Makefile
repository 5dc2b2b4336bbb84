# The two commands a newcomer needs: `make run` (set up, then run the portal with demo data)
# and `make test` (set up, then run lint and every test). Both work on a bare machine.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STANDIN_PORT ?= 8101

.PHONY: setup browser haproxy run test lint format smoke cluster-check replay standin messages bench api-check clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c requirements.lock -e '.[test]'
	touch $@

# Browser tests drive Debian's Chromium (Playwright cannot download its own browser here).
browser:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

run: setup
	$(PY) manage.py runstack --demo --port $(PORT) --standin-port-base $(STANDIN_PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Tests keep their own data folder, apart from a running development stack's.
test: setup browser lint
	PORTAL_DATA_DIR=$${PORTAL_DATA_DIR:-var/test} $(PY) -m pytest $(PYTEST_ARGS)

# The Arabic catalogue: collect new strings, then translate them in portal/locale/ar and compile.
messages: setup
	$(PY) manage.py makemessages -l ar --ignore '.venv/*' --ignore 'standin/*' --ignore 'tests/*' --ignore 'bench/*' --ignore 'cluster/*'
	$(PY) manage.py compilemessages -l ar --ignore '.venv/*'

# Fidelity of the stand-in Frappe sites against the recordings of a real site.
replay: setup
	$(PY) -m standin.replay

# Two stand-in Frappe sites with demo data, on their own (make run starts them too).
standin: setup
	$(PY) -m standin --demo

# Benchmarks print figures (ratios against a baseline measured in the same run); CI runs the
# quick mode, `make bench BENCH_ARGS=` the full one.
BENCH_ARGS ?= --quick
bench: setup
	$(PY) bench/inbox.py $(BENCH_ARGS)
	$(PY) bench/reminders.py $(BENCH_ARGS)
	$(PY) bench/scale.py $(BENCH_ARGS)

# Schemathesis against the live API (stand-in sites behind it): no 5xx, no answer outside the
# schema. API_CHECK_ARGS passes options: --max-examples N, --seed N.
API_CHECK_ARGS ?=
api-check: setup
	$(PY) tests/api_schema_check.py $(API_CHECK_ARGS)

# What CI runs after the suite: the run command's stack on SQLite and the embedded broker.
smoke: setup
	$(PY) .ci/smoke.py

# The load balancer of the cluster check, from Debian like Chromium above.
haproxy:
	@command -v haproxy >/dev/null || (apt-get update -qq && apt-get install -y -qq haproxy)

# The portal as a cluster on PostgreSQL and Redis (two web processes, two workers, beat behind
# HAProxy), a worker and a web process killed under it: README, "Running as a cluster".
# CLUSTER_ARGS passes options: --loopback, --postgres URL, --redis URL (see --help).
cluster-check: setup haproxy
	$(PY) -m cluster.check $(CLUSTER_ARGS)

clean:
	rm -rf var staticfiles .pytest_cache
