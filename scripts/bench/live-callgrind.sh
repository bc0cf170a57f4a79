#!/usr/bin/env bash
# Instruction counts of live capture (a measurement, not a test): `mizu tap` under
# `valgrind --tool=callgrind` while `ab -k -c 1 -n N` sends N requests from one netns pod
# to nginx in another. Wall clock is meaningless under valgrind (and on a shared machine);
# instructions per request are not: they move only when mizu's code does.
#
#   sudo scripts/bench/live-callgrind.sh                 # builds release mizu first
#   MIZU=target/release/mizu N=20000 sudo -E scripts/bench/live-callgrind.sh
#
# The kernel ring (--ring-size, 256M here) holds the whole burst while mizu, slowed ~50x
# by valgrind, catches up; the script waits until the hub stored N entries (or the
# entries stop coming), so nothing is lost (kernel drops are printed: they must be 0).
# Counters are zeroed (callgrind_control -z) just before the load and dumped (-d) once
# the last entry is stored, so start-up and shutdown are not counted.
#
# Printed: requests, entries stored, kernel drops, instructions in total and per request,
# per thread (capture, ingest, the HTTP server's runtime), and the inclusive share of the
# stages (ring walk + de-duplication, engine, pcap ring, hub ingest and its parts).
# The callgrind files stay in $OUT (default bench-out/callgrind-live) for
# callgrind_annotate; delete them when done (tens of MB).
# Env: MIZU, N (default 20000), MODE (netns | bridge), TAP_ARGS (extra tap flags, e.g.
# '--pcap-ring 0'), OUT.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
N=${N:-20000}
OUT=${OUT:-$REPO/bench-out/callgrind-live}
PORT=18896
export MZ_BRIDGE=mzq-br0 MZ_NET=10.246.0 MZ_TAG=bench-callgrind
# shellcheck source-path=SCRIPTDIR source=../fixtures/lib.sh
source "$REPO/scripts/fixtures/lib.sh"
mz_init
mz_require_cmds nginx curl python3 ip ab valgrind callgrind_control callgrind_annotate
if [[ -z ${MIZU:-} ]]; then
    (cd "$REPO" && cargo build --release -q -p mizu-cli)
    MIZU=${CARGO_TARGET_DIR:-$REPO/target}/release/mizu
fi
rm -rf "$OUT"
mkdir -p "$OUT"

mz_pods_up mzq-srv:11 mzq-cli:12
n=$MZ_TMP/nginx
mkdir -p "$n/logs"
cat >"$n/nginx.conf" <<NGX
worker_processes 1;
daemon off;
pid $n/nginx.pid;
error_log $n/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $n/body; proxy_temp_path $n/proxy; fastcgi_temp_path $n/fcgi;
    uwsgi_temp_path $n/uwsgi; scgi_temp_path $n/scgi;
    server {
        listen $MZ_NET.11:8080;
        location / { default_type text/plain; return 200 "hello nginx\n"; }
    }
}
NGX
mz_bg_in "$MZ_TMP/nginx.log" mzq-srv nginx -c "$n/nginx.conf" -p "$n"
mz_wait_listen mzq-srv 8080

MODE=${MODE:-netns}
if [[ $MODE == bridge ]]; then
    what=(-i "$MZ_BRIDGE")
else
    what=('^mzq-')
fi
TAPLOG=$MZ_TMP/tap.log
# shellcheck disable=SC2086
mz_bg "$TAPLOG" valgrind --tool=callgrind --separate-threads=yes \
    --callgrind-out-file="$OUT/callgrind.out.%p" \
    "$MIZU" tap "${what[@]}" --local --headless --gui-port "$PORT" --status-every 1 \
    --ring-size 256M ${TAP_ARGS:-}
TAP=$MZ_LAST_PID
for _ in $(seq 600); do
    if [[ $MODE == bridge ]]; then
        grep -q "capturing host" "$TAPLOG" && break
    else
        grep -q "capturing namespace mzq-cli" "$TAPLOG" && grep -q "capturing namespace mzq-srv" "$TAPLOG" && break
    fi
    sleep 0.2
done
for _ in $(seq 300); do
    curl -fsS "http://127.0.0.1:$PORT/status" >/dev/null 2>&1 && break
    sleep 0.2
done
curl -fsS "http://127.0.0.1:$PORT/status" >/dev/null || { cat "$TAPLOG" >&2; mz_die "mizu did not start"; }
appended() { curl -fsS "http://127.0.0.1:$PORT/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["store"]["appended"])'; }
drops() { { grep -o '[0-9]* kernel drops' "$TAPLOG" || echo 0; } | tail -1 | cut -d' ' -f1; }

# A warm-up (first allocations, the namespace names), then count from zero.
mz_in mzq-cli ab -k -q -c 1 -n 200 "http://$MZ_NET.11:8080/" >/dev/null
for _ in $(seq 100); do [[ $(appended) -ge 200 ]] && break; sleep 0.5; done
sleep 3
a0=$(appended)
d0=$(drops)
callgrind_control -z "$TAP" >/dev/null
out=$(mz_in mzq-cli ab -k -q -c 1 -n "$N" "http://$MZ_NET.11:8080/" 2>&1)
sent=$(awk '/^Complete requests/ { print $3 }' <<<"$out")
last=-1
for _ in $(seq 1200); do
    a=$(appended)
    [[ $((a - a0)) -ge $sent ]] && break
    [[ $a -eq $last ]] && break
    last=$a
    sleep 2
done
sleep 2
callgrind_control -d "$TAP" >/dev/null
seen=$(($(appended) - a0))
d1=$(drops)
kill -INT "$TAP"
for _ in $(seq 300); do kill -0 "$TAP" 2>/dev/null || break; sleep 0.2; done

# The dump files: one per thread (…-NN), the last dump of each thread.
python3 - "$OUT" "$sent" "$seen" "$((${d1:-0} - ${d0:-0}))" <<'PY' | tee "$OUT/summary.txt"
import glob, os, re, subprocess, sys
out, sent, seen, drops = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
files = sorted(f for f in glob.glob(os.path.join(out, "callgrind.out.*")) if re.search(r"\.\d+\.1-\d+$", f))
print(f"requests {sent}, entries stored {seen}, kernel drops {drops}")
total = 0
rows = []
for f in files:
    name, ir = "?", 0
    with open(f, errors="replace") as fh:
        for line in fh:
            if line.startswith("summary:") or line.startswith("totals:"):
                ir = int(line.split()[1])
            elif line.startswith("cmd:"):
                pass
    ann = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", f],
                         capture_output=True, text=True).stdout
    rows.append((f, ir, ann))
    total += ir
print(f"instructions {total:,}  per request {total / max(sent, 1):,.0f}")
stages = [
    ("capture: ring walk + filter + dedup", r"LiveSource as mizu_source::PacketSource>::poll_packet$"),
    ("engine (decode, reassembly, HTTP)", r"mizu_engine::Engine::step$"),
    ("pcap ring", r"mizu_agent::packets::PacketRing::push"),
    ("hub ingest", r"mizu_hub::Hub::ingest_from$"),
    ("  BaseEntry JSON", r"mizu_hub::base::base_entry_json$"),
    ("  entry JSON", r"mizu_model::entry::Entry::write_json_with$"),
    ("  service map", r"mizu_analysis::servicemap::ServiceMap::observe_with$"),
    ("  traffic stats", r"mizu_analysis::stats::TrafficStats::observe_with$"),
    ("  OpenAPI inference", r"mizu_analysis::oas::Oas::add$"),
    ("  store append", r"mizu_store::store::Store::append$"),
    ("    facets", r"mizu_query::facets::facets(_of)?$"),
    ("    top-level index", r"mizu_query::raw::top_index$"),
]
for f, ir, ann in rows:
    print(f"  thread {f.rsplit('-', 1)[-1]}: {ir:,} ({ir / max(sent, 1):,.0f} per request)")
for label, pat in stages:
    # Inclusive cost of the function (the largest line naming it: callgrind also lists
    # inlined pieces under the caller's name).
    best = 0
    for _, _, ann in rows:
        for line in ann.splitlines():
            m = re.match(r"\s*([\d,]+) \([^)]*\)\s+(.+?)(?: \[[^]]*\])?$", line)
            if m and re.search(pat, m.group(2).split(".rs:", 1)[-1]):
                best = max(best, int(m.group(1).replace(",", "")))
    print(f"  {label:40s} {best / max(sent, 1):8,.0f} per request  {100 * best / max(total, 1):5.1f}%")
PY
echo "callgrind files: $OUT (callgrind_annotate --inclusive=yes FILE)" >&2
