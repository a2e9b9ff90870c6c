#!/usr/bin/env bash
# The whole test suite: `npm test`. Runs on a fresh machine after `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-tools.sh
npm run --silent lint
npm run --silent typecheck
npm run --silent build
npx vitest run --coverage
