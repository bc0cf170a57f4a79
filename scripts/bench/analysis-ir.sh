#!/usr/bin/env bash
# Instructions per ingested entry of the analyses (service map + stats + RED, OpenAPI
# inference, validation rules), measured with callgrind on the hub's in-process ingest
# (`crates/hub/benches/ingest_ir.rs`: the `ingest` bench's ~1 KB HTTP entries, 1000-entry
# batches). Wall-clock on a shared machine says little; instruction counts repeat.
#
#   scripts/bench/analysis-ir.sh            # builds the driver (bench profile), then measures
#   N1=2000 N2=12000 scripts/bench/analysis-ir.sh
#
# Per variant: (Ir(N2) - Ir(N1)) / (N2 - N1), counted only inside Hub::ingest_from, so
# setup is left out. The cost of an analysis is its variant minus `off` (or minus `map`
# for oas and rules, which run on top of the map).
set -euo pipefail
cd "$(dirname "$0")/../.."
N1=${N1:-2000}
N2=${N2:-12000}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
MIZU_UI_SKIP_BUILD=1 cargo bench -p mizu-hub --bench ingest_ir --no-run 2>&1 | tail -1
BIN=$(ls -t target/release/deps/ingest_ir-* | grep -v '\.d$' | head -1)
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
ir() {
    valgrind --tool=callgrind --callgrind-out-file="$OUT/cg" --toggle-collect='*Hub::ingest_from*' \
        "$BIN" "$1" "$2" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
declare -A per
for v in off map oas rules all; do
    a=$(ir "$v" "$N1")
    b=$(ir "$v" "$N2")
    per[$v]=$(( (b - a) / (N2 - N1) ))
done
printf '%-6s %10s %10s\n' variant Ir/entry "vs off"
for v in off map oas rules all; do
    awk -v v="$v" -v n="${per[$v]}" -v o="${per[off]}" 'BEGIN { printf "%-6s %10d %+9.1f%%\n", v, n, (n - o) * 100 / o }'
done
echo "map+stats+RED: $(( per[map] - per[off] ))  OpenAPI: $(( per[oas] - per[map] ))  rules: $(( per[rules] - per[map] ))  all: $(( per[all] - per[off] )) instructions per entry"
