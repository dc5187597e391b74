# Casefile: the two commands that matter are `make run` (build and start the app) and
# `make test` (every test). Both install what they need first (scripts/setup.sh).
SHELL := /bin/bash
CARGO ?= cargo
XVFB := xvfb-run -a -s '-screen 0 1280x800x24'

.PHONY: run test setup ui app cli lint screenshot clean bench bench-redact startup

## Build the UI and the desktop app, then start it.
run: app
	./$(or $(CARGO_TARGET_DIR),target)/debug/casefile-desktop

## Every test: formatting, lints, the UI's type check and unit tests, the built UI in Chromium
## with a fake backend (ui/e2e: walks, keyboard, axe-core, zoom, dark scheme), the Rust tests (delivery
## against a real Request Tracker and Postfix on loopback, and local help-desk emulators), and the
## real app in a real window under Xvfb, the Ansible collection (integrations/ansible) against
## five endpoints on this machine, and the MDM script (integrations/mdm) run as an engine runs it.
test: setup
	$(CARGO) fmt --all --check
	cd ui && npm run --silent check
	cd ui && npm run --silent build
	$(CARGO) build --locked -p casefile-desktop -p casefile-cli
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings
	cd ui && npm test
	cd ui && npm run --silent e2e
	python3 scripts/bench/test_bench.py
	integrations/ansible/tests/run.sh
	integrations/mdm/test.sh
	E2E_REQUIRED=1 scripts/with-helpdesk.sh $(XVFB) $(CARGO) test --locked --workspace

setup:
	scripts/setup.sh

ui: setup
	cd ui && npm run --silent build

## The desktop app embeds ui/dist at compile time, so the UI is built first.
app: ui
	$(CARGO) build --locked -p casefile-desktop

cli:
	$(CARGO) build --locked -p casefile-cli

## Regenerate docs/screenshots/: every screen and step from the built UI in Chromium with the
## browser tests' fake backend (ui/e2e/screenshots.mjs), and the real app's window.
screenshot: app
	cd ui && npm run --silent screenshots
	scripts/screenshot.sh

## The evidence benchmark (scripts/bench/README.md): Info-ZIP against `casefile collect` on
## synthetic log trees, then a redaction recall check of casefile's bundle. Runs per size can
## differ (BENCH_RUNS=5,3); BENCH_ARGS=--only-zip gives the Info-ZIP baseline alone.
BENCH_SIZES ?= 100,1024
BENCH_RUNS ?= 5
bench:
	python3 scripts/bench/run.py --sizes $(BENCH_SIZES) --runs $(BENCH_RUNS) $(BENCH_ARGS)

## The redaction bench (scripts/bench/README.md): casefile, detect-secrets and sos clean side by
## side on the conformance corpus tests/redaction/ (recall per category, placeholders and
## identifiers kept, casefile's MB/s). Builds the release CLI; installs detect-secrets with pip
## if missing; sos clean needs `apt-get install sosreport`. BENCH_REDACT_ARGS=--tools casefile.
bench-redact:
	$(CARGO) build --locked --release -p casefile-cli
	python3 scripts/bench/redaction/bench.py --casefile $(or $(CARGO_TARGET_DIR),target)/release/casefile $(BENCH_REDACT_ARGS)

## Start-up time to first paint and the release binary's size (scripts/startup.sh), each run
## alternated with WebKitGTK's MiniBrowser showing the same UI, under Xvfb. STARTUP_RUNS=5.
STARTUP_RUNS ?= 5
startup: setup ui
	$(CARGO) build --locked --release -p casefile-desktop --features custom-protocol
	$(XVFB) scripts/startup.sh $(or $(CARGO_TARGET_DIR),target)/release/casefile-desktop $(STARTUP_RUNS)

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules
