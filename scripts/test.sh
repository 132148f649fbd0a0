#!/usr/bin/env bash
# The whole test suite, self-sufficient on a fresh machine: installs the outside tools the interop
# tests talk to (openssl, curl, Java, haproxy, nginx, chromium…) when missing, uses the PostgreSQL at
# TEST_DATABASE_URL or starts a throw-away one (scripts/ensure-postgres.sh), builds, tests, lints.
set -uo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=ensure-postgres.sh
. scripts/ensure-postgres.sh
# The throw-away PostgreSQL (if any) is stopped on every way out: success, failure, Ctrl-C, kill.
trap pg_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_ensure || exit 1
bash scripts/ensure-tools.sh || exit 1
npx tsc -p tsconfig.json || exit 1

status=0
# The layering (docs/design/20261202.layering.md): no circles, pure cores, edges at the edge.
npx depcruise src bench --config .dependency-cruiser.cjs --ignore-known --output-type err || status=1
node scripts/check-web-imports.mjs || status=1
# Unit tests live beside the code (src/**.test.ts); interop and end-to-end tests under test/.
# TEST_TARGETS narrows the run (e.g. to one directory) without skipping the set-up above.
# shellcheck disable=SC2086
node --test --test-concurrency=2 --test-timeout=300000 ${TEST_TARGETS:-dist/src dist/test} || status=1
npx biome check . || status=1
node scripts/gen-cli-docs.mjs --check || status=1
exit $status
