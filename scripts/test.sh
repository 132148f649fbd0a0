#!/usr/bin/env bash
# The whole test suite, self-sufficient on a fresh machine: installs the outside tools the interop
# tests talk to (openssl, curl, Java, haproxy, nginx, chromium…) when missing, builds, lints, tests.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-tools.sh

npx tsc -p tsconfig.json
npx biome check .
# Unit tests live beside the code (src/**.test.ts); interop and end-to-end tests under test/.
node --test --test-concurrency=2 --test-timeout=300000 dist/src dist/test
