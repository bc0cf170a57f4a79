#!/usr/bin/env bash
# Runs every check mizu has: formatting, lints, the whole test suite (unit, golden
# fixtures, tshark cross-checks, property tests) and a build of the fuzz targets.
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
MIZU_REQUIRE_TSHARK=1 cargo test --workspace --locked 2>&1 | tee "$log"
# cargo ends with the last crate's doc-tests (often "0 passed"): close with the totals.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f; exit (p == 0 || f > 0) }' "$log"
