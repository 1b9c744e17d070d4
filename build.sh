#!/usr/bin/env bash
# The one build recipe. Usage: ./build.sh [build|test|unit|lint|fuzz|bench|bench-platform|run|run-distributed|up|services|web|sdk-ts|conformance]
set -euo pipefail
cd "$(dirname "$0")"

STATICCHECK_VERSION=v0.8.2   # pinned; bump deliberately
FUZZTIME="${FUZZTIME:-60s}"
VERSION="$(git describe --always --dirty 2>/dev/null || echo dev)"

log() { printf '==> %s\n' "$*" >&2; }

# main packages of the workspace, as import paths
mains() { go list -f '{{if eq .Name "main"}}{{.ImportPath}}{{end}}' work | grep -v '^$' || true; }

build() {
  mkdir -p bin
  if command -v npm >/dev/null 2>&1; then web_build; else log "no npm: the web demo is not embedded (./build.sh web installs Node)"; fi
  local pkgs; pkgs=$(mains)
  if [ -z "$pkgs" ]; then log "no binaries yet"; return 0; fi
  for p in $pkgs; do
    log "build $(basename "$p")"
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$VERSION" -o "bin/$(basename "$p")" "$p"
  done
}

lint() {
  log "gofmt"
  local bad; bad=$(gofmt -l $(go list -f '{{.Dir}}' -m))
  if [ -n "$bad" ]; then echo "gofmt needed:"; echo "$bad"; return 1; fi
  log "go vet work"
  go vet -tags integration work
  go vet -tags fault ./deployments/fault
  log "staticcheck $STATICCHECK_VERSION"
  local sc; sc="$(go env GOPATH)/bin/staticcheck"
  if ! "$sc" -version 2>/dev/null | grep -q "${STATICCHECK_VERSION#v}"; then
    go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
  fi
  "$sc" -tags integration $(go list -f '{{.Dir}}/...' -m)
  log "layering"
  scripts/layering.sh
}

# unit: fast tests without external services.
unit() { go test -race -count=1 work; }

# web_deps: Node (Debian's, when missing) and the locked npm packages of
# im-sdk (npm ci, skipped while node_modules matches package-lock.json).
web_deps() {
  if ! command -v npm >/dev/null 2>&1; then
    log "apt-get install nodejs npm"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  if ! cmp -s im-sdk/package-lock.json im-sdk/node_modules/.whaleim-lock 2>/dev/null; then
    log "npm ci (im-sdk)"
    (cd im-sdk && npm ci --no-audit --no-fund --loglevel=error)
    cp im-sdk/package-lock.json im-sdk/node_modules/.whaleim-lock
  fi
}

# web_build: the web chat demo into im-sdk/web/webdemo/dist, which the Go
# package webdemo embeds (so build it before the binaries).
web_build() {
  web_deps
  log "web demo"
  (cd im-sdk && npm run --silent build -w @whaleim/web-demo)
}

# web: everything the browser test needs: the demo and Debian's chromium.
web() {
  web_build
  if ! command -v chromium >/dev/null 2>&1; then
    log "apt-get install chromium"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  fi
}

# sdk_ts: the TypeScript SDK: type checks (SDK and demo), the Vitest unit
# tests (golden vectors included), the shared conformance scenarios (over
# WebSocket and TCP against the Go scripted gateway) and the ESM build (first:
# the quick start, examples/quickstart.mjs, is checked against its types).
sdk_ts() {
  web_deps
  log "TypeScript SDK: tsc, vitest, conformance, build"
  (cd im-sdk/ts && npm run --silent build && npx tsc -p tsconfig.json --noEmit && npx vitest run && npm run --silent conformance)
  (cd im-sdk/web && npx tsc -p tsconfig.json --noEmit)
}

# conformance: the shared SDK scenarios (im-sdk/conformance) for both SDKs.
conformance() {
  log "conformance: Go SDK"
  go test -race -count=1 -run TestConformance ./im-sdk/go/whaleim
  web_deps
  log "conformance: TypeScript SDK"
  (cd im-sdk/ts && npm run --silent conformance)
}

# test: everything CI runs: lint, unit and integration tests on real services.
test_all() {
  scripts/services.sh
  web
  sdk_ts
  lint
  log "go test -race -tags integration work"
  go test -race -count=1 -tags integration -timeout 20m work
  e2e
  fault_ci
}

# FAULT_CI is the CI subset of the fault matrix (deployments/fault).
FAULT_CI='TestFault/(gateway-kill|domain-kill|rabbitmq-kill|redis-loss)$'

# fault_matrix runs the ledger-checked fault scenarios whose names match
# the go test -run pattern $1 on private RabbitMQ, Redis, MariaDB and
# ZooKeeper instances (one progress line per second, then the results table).
fault_matrix() {
  scripts/services.sh # installs the packages; the harness starts its own instances
  (cd deployments/fault && go test -count=1 -tags fault -timeout 60m -v -run "$1" .)
}

fault_ci() {
  log "fault suite, CI subset: gateway kill, domain kill, RabbitMQ kill, Redis loss"
  fault_matrix "$FAULT_CI"
}

# e2e runs the suite against both targets with the same assertions: the
# three service binaries (distributed) and the standalone binary.
e2e() {
  log "end-to-end suite: distributed target"
  (cd deployments/e2e && go test -count=1 -tags e2e -timeout 20m -v ./...)
  log "end-to-end suite: standalone target"
  (cd deployments/e2e && IM_E2E_TARGET=standalone go test -count=1 -tags e2e -timeout 20m -v ./...)
}

fuzz() {
  local dir target
  for dir in $(go list -f '{{.Dir}}' work); do
    for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do
      log "fuzz $target in $dir for $FUZZTIME"
      (cd "$dir" && go test -run XXX -fuzz "^$target\$" -fuzztime "$FUZZTIME" .)
    done
  done
}

bench() { go test -run XXX -bench . -benchmem work; }

# up: the distributed platform under docker compose (deployments/).
up() {
  local envfile=deployments/.env
  if ! command -v docker >/dev/null 2>&1; then
    echo "up: docker is not installed on this machine: install Docker Engine with its compose plugin, then run ./build.sh up again" >&2
    return 2
  fi
  if ! docker compose version >/dev/null 2>&1; then
    echo "up: 'docker compose' is missing: install the Docker compose plugin (v2), then run ./build.sh up again" >&2
    return 2
  fi
  if ! docker info >/dev/null 2>&1; then
    echo "up: the Docker engine does not answer: start dockerd, or give this user access to it (docker group)" >&2
    return 2
  fi
  if ! grep -q '^IM_APP_SECRET=' "$envfile" 2>/dev/null; then
    echo "IM_APP_SECRET=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" >>"$envfile"
    log "wrote a fresh IM_APP_SECRET to $envfile (keep it: every userSign is made with it)"
  fi
  docker compose -f deployments/docker-compose.yml --env-file "$envfile" up -d --build --wait "$@"
  log "up: REST http://localhost:18000 (and :18001), TCP localhost:19001 and :19011, WebSocket ws://localhost:19002/ws and :19012/ws"
  log "up: try: set -a; . $envfile; set +a; go run ./im-sdk/go/cmd/imctl user import alice bob"
}

cmd="${1:-build}"
case "$cmd" in
  build) build ;;
  test) test_all ;;
  unit) unit ;;
  e2e) e2e ;;
  lint) lint ;;
  fuzz) fuzz ;;
  fault) log "fault suite: the full matrix"; fault_matrix "${2:-TestFault}" ;;
  bench) bench ;;
  bench-platform) shift; deployments/imbench/run.sh "$@" ;;
  services) scripts/services.sh ;;
  web) web ;;
  sdk-ts) sdk_ts ;;
  conformance) conformance ;;
  run) exec scripts/run.sh ;;
  run-distributed) exec scripts/run-distributed.sh ;;
  up) shift; up "$@" ;;
  *) echo "usage: $0 [build|test|unit|e2e|lint|fuzz|fault [pattern]|bench|bench-platform|services|run|run-distributed|up|web|sdk-ts|conformance]" >&2; exit 2 ;;
esac
