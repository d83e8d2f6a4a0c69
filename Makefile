# sesame: `make demo` walks through the main job against local emulators;
# `make test` runs everything CI runs.

GO        ?= go
BIN       := bin/sesame
FULL      := libexec/sesame/sesame
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null)
DATE      ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
GOBIN     := $(shell $(GO) env GOPATH)/bin
STATICCHECK_VERSION := v0.8.2
# nfpm builds the .deb, .rpm and .apk packages of a release; it is
# installed into GOBIN (not a dependency in go.mod) the first time.
NFPM_VERSION := v2.48.0
NFPM      := $(GOBIN)/nfpm
FUZZTIME  ?= 100000x
FUZZTIME_SHORT ?= 100000x
FUZZTIME_TINY ?= 20000x

.PHONY: all build demo test test-checks test-builds deps check lint vet staticcheck unit cross fuzz bench clean release-snapshot release-check nfpm

all: build

# Two programs, laid out as a release installs them: bin/sesame is the
# small front program (cmd/sesame-front), which answers a cached
# credential_process and the prompt segment itself and runs the full
# program, libexec/sesame/sesame (cmd/sesame), for everything else.
# Static binaries (no cgo) start about a millisecond faster than ones that
# load libc, which matters for a credential_process run on every AWS call.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(FULL) ./cmd/sesame
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $(BIN) ./cmd/sesame-front

demo: build
	./scripts/demo.sh

# Everything CI runs, after installing what is missing (as root or with
# sudo: Debian packages; Go tools and npm packages are installed as needed).
# Two lanes run side by side: the checks and tests (lint, unit), and the
# builds (cross, fuzz, release-check), whose compiling uses the CPU that the
# end-to-end tests leave idle while they wait for the programs they start.
# Each lane runs its targets in order and its output is printed in one piece
# when it ends; make test fails if either lane fails.
test: deps
	@echo "make test: lane 1: lint unit; lane 2: cross fuzz release-check (each lane's output shows when it ends)"
	@$(MAKE) --no-print-directory -j2 --output-sync=recurse test-checks test-builds

test-checks:
	@start=$$(date +%s); $(MAKE) --no-print-directory lint && $(MAKE) --no-print-directory unit && \
		echo "== make test: lint, unit passed in $$(( $$(date +%s) - start )) s"

test-builds:
	@start=$$(date +%s); $(MAKE) --no-print-directory cross && $(MAKE) --no-print-directory fuzz && \
		$(MAKE) --no-print-directory release-check && \
		echo "== make test: cross, fuzz, release-check passed in $$(( $$(date +%s) - start )) s"

# What the tests need from Debian (scripts/ci-packages.txt), and a check of
# what the machine must already have (Python with moto, Node.js).
deps:
	./scripts/test-deps.sh

# The quick loop while editing: vet, staticcheck and the tests of every
# package but the end-to-end scripts of cmd/sesame (make test runs all).
check: lint
	$(GO) test -short $$($(GO) list ./... | grep -v '/cmd/sesame$$')

lint: vet staticcheck
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	@test -x $(GOBIN)/staticcheck || GOFLAGS= $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)
	$(GOBIN)/staticcheck ./...

# -vet=off: lint's go vet has checked every package and its tests with all
# of vet's analyzers; go test would run a subset of them again.
unit:
	$(GO) test -count=1 -vet=off -timeout 15m ./...

# The keychain and wincred backends must build without cgo. Every package
# is compiled (go list -export fails on any compile error) but not linked:
# release-check links sesame for these platforms and more. -trimpath, as in
# a release build, lets release-check reuse these compiled packages.
cross:
	GOOS=darwin  GOARCH=arm64 CGO_ENABLED=0 $(GO) list -trimpath -export -f '' ./... >/dev/null
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) list -trimpath -export -f '' ./... >/dev/null
	GOOS=linux   GOARCH=arm64 CGO_ENABLED=0 $(GO) list -trimpath -export -f '' ./... >/dev/null

# A short run of every fuzz target; longer runs: make fuzz FUZZTIME=5000000x.
# Counts, not durations: Go 1.26's coordinator can fail a duration-bounded
# run with a bare "context deadline exceeded" as time runs out (go.dev/issue/75804,
# fixed in Go 1.27); a count has no deadline to race.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/awsconfig
	$(GO) test -run '^$$' -fuzz '^FuzzHandlers$$' -fuzztime $(FUZZTIME_SHORT) ./internal/server
	$(GO) test -run '^$$' -fuzz '^FuzzParseFile$$' -fuzztime $(FUZZTIME_SHORT) ./internal/store/vault
	$(GO) test -run '^$$' -fuzz '^FuzzDestination$$' -fuzztime $(FUZZTIME_SHORT) ./internal/cmd/login
	$(GO) test -run '^$$' -fuzz '^FuzzIsRoleARN$$' -fuzztime $(FUZZTIME_SHORT) ./internal/creds/plan
	$(GO) test -run '^$$' -fuzz '^FuzzMarshal$$' -fuzztime $(FUZZTIME_TINY) ./internal/credfmt/procdoc
	$(GO) test -run '^$$' -fuzz '^FuzzAppendJSON$$' -fuzztime $(FUZZTIME_TINY) ./internal/listing
	$(GO) test -run '^$$' -fuzz '^FuzzJSON$$' -fuzztime $(FUZZTIME_TINY) ./internal/safetext

# Every release artefact into dist/: archives for linux, darwin and windows
# on amd64 and arm64, .deb/.rpm/.apk packages, checksums, and the Homebrew,
# Scoop and winget manifests (RELEASE_BASE_URL: where they will be
# downloaded from). Byte-identical on every run of one commit. See RELEASING.md.
release-snapshot: nfpm
	NFPM=$(NFPM) GO=$(GO) ./packaging/release.sh

# Proves the artefacts: checksums, archive contents, manifests, the .deb
# installed with dpkg -i (and removed; as root, or through sudo), a second, identical build, go install.
release-check: release-snapshot
	./packaging/check.sh

nfpm:
	@$(GO) version -m $(NFPM) 2>/dev/null | grep -q 'mod.*github.com/goreleaser/nfpm/v2.*$(NFPM_VERSION)' || \
		{ echo "installing nfpm $(NFPM_VERSION) into $(GOBIN)"; GOFLAGS= $(GO) install github.com/goreleaser/nfpm/v2/cmd/nfpm@$(NFPM_VERSION); }

bench: build
	./scripts/bench.sh

clean:
	rm -rf bin libexec dist
