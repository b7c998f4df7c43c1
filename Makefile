# crmhub — the two commands a newcomer needs are `make run` and `make test`.

GO      ?= go
GINKGO  := $(GO) tool ginkgo
BIN     := bin
PLUGINS := $(BIN)/plugins
# Binaries the specs start (the hub, plugins, test plugins), built once per run.
TESTBIN := $(BIN)/test

# Every build records module paths instead of this checkout's folder
# (-trimpath). Go's build cache is keyed on the folder otherwise, so each
# fresh clone (CI's, a second worktree) compiled all of the hub's packages
# again: 80 s more of `make test` on the two-core VM (lint and the binaries
# 55 s against 25, the suites' builds 2m31s against 1m40s; linking is never
# cached). Your own GOFLAGS, from the environment or `go env -w`, is kept.
export GOFLAGS := -trimpath $(filter-out -trimpath,$(shell $(GO) env GOFLAGS))

.PHONY: build run test testbins bench lint lint-alerts proto fuzz docs clean

## build: the hub into bin/, every plugin into bin/plugins/
build:
	$(GO) build -o $(BIN)/crmhub ./cmd/crmhub
	@for p in plugins/*/; do \
		name=$$(basename $$p); \
		echo "$(GO) build -o $(PLUGINS)/crmhub-plugin-$$name ./$$p"; \
		$(GO) build -o $(PLUGINS)/crmhub-plugin-$$name ./$$p || exit 1; \
	done

## run: build, then serve with configs/crmhub.yaml on the embedded SQLite store
run: build
	$(BIN)/crmhub serve --config configs/crmhub.yaml

## testbins: the binaries specs start, built once per run (see internal/testbin); the SDK's
## example plugin (sdk/example, its own module) too, as crmhub-plugin-acme, never into bin/plugins
testbins: build
	@mkdir -p $(TESTBIN)
	cp $(BIN)/crmhub $(PLUGINS)/* $(TESTBIN)/
	$(GO) build -o $(TESTBIN)/crmhub-plugin-test ./internal/testplugin/cmd/testplugin
	$(GO) build -o $(TESTBIN)/crmhub-plugin-testdoor ./internal/testplugin/cmd/testdoor
	$(GO) build -o $(TESTBIN)/crmhub-plugin-protocol1 ./internal/testplugin/cmd/protocol1
	$(GO) build -o $(TESTBIN)/crmhub-testhost ./internal/testhost
	cd sdk && $(GO) build -o ../$(TESTBIN)/crmhub-plugin-acme ./example

# TESTPROCS is how many processes share each suite's specs; empty means
# one per core (ginkgo -p). Most specs wait on processes, databases and
# backoffs rather than compute, and each process has its own databases,
# ports and temporary directories (see core/store/storetest, e2e/harness).
TESTPROCS ?=

# The suites' binaries are linked without DWARF (-w): nothing in a test run
# reads it (stack traces and race reports use the symbol table), and the 58
# race-enabled links are a quarter faster without it. GINKGOFLAGS passes
# more, e.g. GINKGOFLAGS=--json-report=report.json (a file name: given a
# path, Ginkgo makes that folder in every suite's folder too).
GINKGOFLAGS ?=

# The race detector sleeps a second before a race-enabled process exits, to
# catch races among goroutines still running then (GORACE's atexit_sleep_ms).
# Each suite's processes paid it after their last spec: a minute of every
# run, 58 suites one after another. Races while the specs run are caught as
# before; a GORACE of your own is kept and wins.
RACEOPTS := atexit_sleep_ms=0

## test: lint, then every suite, race detector on, SQLite and PostgreSQL, then a short fuzz of each decoder.
## ginkgo -r descends into sdk/ (its own module): the SDK's suites run with the same flags.
test: lint testbins
	GORACE="$(RACEOPTS) $$GORACE" CRMHUBTEST_BIN_DIR=$(CURDIR)/$(TESTBIN) $(GINKGO) -r -p $(if $(TESTPROCS),--procs=$(TESTPROCS)) \
		--race --randomize-all --fail-on-empty --keep-going --timeout=25m --ldflags=-w $(GINKGOFLAGS)
	$(MAKE) fuzz FUZZTIME=20000x

## fuzz: the webhook decoders' fuzz targets (FUZZTIME=60s for a longer run).
## make test counts executions instead: on go1.26 a duration can end with a
## spurious "context deadline exceeded" (golang/go#75804, fixed in go1.27).
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) ./plugins/klicktipp/outbound
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) ./plugins/salesforce/outbound
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) ./plugins/mailchimp/webhook
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) ./plugins/mailerlite/webhook
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) ./plugins/activecampaign/webhook
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime $(FUZZTIME) ./plugins/drip/webhook

## bench: speed and memory figures of the built binaries, one table (README shows the latest);
## BENCHFLAGS passes more, e.g. BENCHFLAGS='-profile prof' for the hub's CPU profiles or '-trace tr'
## for its execution traces
bench: build
	$(GO) run ./cmd/crmhub-bench -hub $(BIN)/crmhub -plugin $(PLUGINS)/crmhub-plugin-klicktipp \
		-hubspot $(PLUGINS)/crmhub-plugin-hubspot $(BENCHFLAGS)

## lint: go vet (the hub and the SDK, its own module) and gofmt, and the alert rules where promtool is installed
lint:
	$(GO) vet ./...
	cd sdk && $(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@if command -v promtool >/dev/null; then $(MAKE) --no-print-directory lint-alerts; \
	else echo "promtool not installed: alert rules not checked (make lint-alerts)"; fi

## lint-alerts: check and unit-test the Prometheus alert rules (promtool, from the prometheus package)
lint-alerts:
	promtool check rules deploy/prometheus/alerts.yml
	promtool test rules deploy/prometheus/alerts_test.yml

## docs: regenerate docs/configuration.md from core/config (a spec fails when it is stale)
docs:
	$(GO) run ./core/config/docgen docs/configuration.md

## proto: regenerate sdk/proto with pinned generators (needs protoc)
proto:
	sh sdk/proto/gen.sh

clean:
	rm -rf $(BIN)
