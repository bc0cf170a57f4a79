#!/usr/bin/env bash
# Runs every check mizu has: formatting, lints, the whole test suite (unit, golden
# fixtures, tshark cross-checks, property tests), a build of the fuzz targets, and the
# web UI's checks (tsc, ESLint, Vitest, browser end-to-end tests in headless Chromium).
# This is the command the README gives and the one CI (.ci/run) calls.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== fuzz targets build"
(cd fuzz && cargo build --locked --quiet 2>&1 | tail -20)

echo "== cargo test"
# MIZU_REQUIRE_TSHARK: the tshark cross-check fails instead of skipping if tshark is missing.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
MIZU_REQUIRE_TSHARK=1 cargo test --workspace --locked 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# The web UI (ui/): type check and lint count one check each, then Vitest, then the
# browser tests in headless Chromium against the real binary (release: the performance
# checks measure the page, not an unoptimised hub). Screenshots: target/ui-screenshots/.
echo "== ui: tsc, eslint, vitest"
if (cd ui && npx tsc -b); then echo "ui check: 1 passed" >>"$log"; else echo "ui check: 1 failed" >>"$log"; rc=1; fi
if (cd ui && npx eslint --max-warnings 0 .); then echo "ui lint: 1 passed" >>"$log"; else echo "ui lint: 1 failed" >>"$log"; rc=1; fi
(cd ui && NO_COLOR=1 npx vitest run) 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
echo "== ui: browser end-to-end"
if cargo build --locked --release -p mizu-cli; then
  (cd ui && MIZU_BIN=../target/release/mizu node e2e/run.mjs) 2>&1 | tee -a "$log"
  [ "${PIPESTATUS[0]}" = 0 ] || rc=1
else
  echo "e2e: 0 passed, 1 failed" >>"$log"
  rc=1
fi
set -e

# Totals: cargo's "test result:" lines (cargo ends with the last crate's doc-tests, often
# "0 passed"), Vitest's "Tests  N passed | M failed", the e2e runner's "e2e: N passed,
# M failed" and the two UI checks.
awk '/^test result:/ || /^ +Tests +/ || /^e2e: / || /^ui (check|lint): / {
       for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f; exit (p == 0 || f > 0) }' "$log" || rc=1
exit "$rc"
