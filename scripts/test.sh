#!/usr/bin/env bash
# The whole test suite: `npm test`. Runs on a fresh machine after `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-tools.sh
npm run --silent lint
# Build before the type check: the examples import the package by its name, which resolves to
# the built declarations in dist/ (a package can import itself through its "exports").
npm run --silent build
npm run --silent typecheck
npm run --silent lint:package

# Each pass names its Node and tells the suite which binary it meant (test/repo/node-runtime.test.ts
# checks it). Vitest's workers are forks of the process that runs vitest, so they share its Node.
run_pass() {
  local pass="$1" node="$2"
  shift 2
  local version
  version="$("$node" --version)"
  echo "Node $version ($node): vitest run $*"
  CRISISLEN_TEST_PASS="$pass" CRISISLEN_TEST_NODE_VERSION="$version" CRISISLEN_TEST_NODE_PATH="$node" \
    "$node" node_modules/vitest/vitest.mjs run "$@"
}

# First pass, with coverage: the Node that runs npm (`npm test` on Node 20 tests Node 20).
run_pass npm-node "${npm_node_execpath:-$(command -v node)}" --coverage
# Second pass: Node 24, fetched into .cache/node24 by ensure-tools.sh, without coverage. It runs
# every test that runs our code on Node; it leaves out the ones whose subject is not the Node they
# run on — the deploy assets (helm, kubectl, promtool, shellcheck), the repository's packaging
# (npm pack and install, links) and the end-to-end runs that test alert and SLO rules in
# Prometheus and Alertmanager — which the first pass ran (test/repo/node-runtime.test.ts checks
# this list). It keeps CI near 15 minutes instead of 25 on a 2-core machine.
NODE_INDEPENDENT=(
  "test/deploy/**"
  "test/repo/prepack.test.ts"
  "test/repo/readme-links.test.ts"
  "test/consumers/otel-api-peer.test.ts"
  "test/e2e/alertmanager.test.ts"
  "test/e2e/remote-write.test.ts"
  "test/e2e/slo.test.ts"
)
run_pass node24 "$PWD/.cache/node24/bin/node" "${NODE_INDEPENDENT[@]/#/--exclude=}"
