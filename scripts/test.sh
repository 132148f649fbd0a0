#!/usr/bin/env bash
# The whole test suite, self-sufficient on a fresh machine: installs the outside tools the interop
# tests talk to (openssl, curl, Java, haproxy, nginx, chromium…) when missing, builds, tests, lints.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-tools.sh || exit 1
npx tsc -p tsconfig.json || exit 1

status=0
# Unit tests live beside the code (src/**.test.ts); interop and end-to-end tests under test/.
node --test --test-concurrency=2 --test-timeout=300000 dist/src dist/test || status=1
npx biome check . || status=1
node scripts/gen-cli-docs.mjs --check || status=1
exit $status
