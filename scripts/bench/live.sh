#!/usr/bin/env bash
# Live-capture benchmark (a measurement, not a test): `mizu tap` capturing a load
# generator in one pod against nginx in another, at increasing concurrency.
#
#   sudo scripts/bench/live.sh                       # builds release mizu first
#   MIZU=target/release/mizu sudo -E scripts/bench/live.sh
#
# Pods: mzb-srv (nginx, 1 worker, keep-alive, 12-byte body) and mzb-cli (the load
# generator) on their own bridge mzb-br0 / 10.252.0.0/24. mizu runs
# `tap '^mzb-(srv|cli)$' --local --headless` (one AF_PACKET ring per pod namespace, so every
# packet is seen twice and de-duplicated: the worst case for the capture side).
# For each step: wrk (or `ab -k` if wrk is missing) for DURATION seconds at
# concurrency C. Printed per step:
#   sent      requests completed by the client (wrk's count)
#   seen      entries stored by the hub during the step (GET /status store.appended)
#   seen/sent
#   drops     kernel ring drops during the step (mizu's status line)
#   cpu/1k    mizu CPU seconds (user+sys, /proc/PID/stat) per 1,000 requests
#   us/req    the same in microseconds per request
#   cores     mizu CPU seconds / wall seconds
#   rss       mizu peak RSS so far (VmHWM), MiB
# Targets (issue 15): 0 lost at >= 20k req/s, <= 1 core, <= 256 MiB, <= 10 us/request.
# MODE=bridge captures the bridge instead (`tap -i mzb-br0`: one socket, each packet once).
# TAP_ARGS adds flags to the tap command (e.g. TAP_ARGS='--pcap-ring 0').
# WORKERS=N passes `--workers N` (N capture threads in one PACKET_FANOUT group per capture
# point; default 1).
# Env: MIZU, CONC (default "1 4 16 64"), DURATION (default 10), THREADS (wrk -t, 2), MODE,
# WORKERS, BENCH_OUT (table saved to $BENCH_OUT/last-run-live.txt).
# To run next to another run of this script, give it its own bridge, /24, pod prefix and
# port: BENCH_BRIDGE (mzb-br0), BENCH_NET (10.252.0), BENCH_PREFIX (the bridge name without
# -br0: pods PREFIX-srv, PREFIX-cli), BENCH_PORT (18897).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUTDIR=${BENCH_OUT:-$REPO/bench-out}
read -r -a CONC <<<"${CONC:-1 4 16 64}"
DURATION=${DURATION:-10}
THREADS=${THREADS:-2}
WORKERS=${WORKERS:-1}
PORT=${BENCH_PORT:-18897}
export MZ_BRIDGE=${BENCH_BRIDGE:-mzb-br0} MZ_NET=${BENCH_NET:-10.252.0} MZ_TAG=bench-live
PREFIX=${BENCH_PREFIX:-${MZ_BRIDGE%-br0}}
SRV=$PREFIX-srv CLI=$PREFIX-cli
# shellcheck source-path=SCRIPTDIR source=../fixtures/lib.sh
source "$REPO/scripts/fixtures/lib.sh"
mz_init
mz_require_cmds nginx curl python3 ip
LOADGEN=wrk
command -v wrk >/dev/null 2>&1 || { LOADGEN=ab; mz_require_cmds ab; }
mkdir -p "$OUTDIR"
if [[ -z ${MIZU:-} ]]; then
    (cd "$REPO" && cargo build --release -q -p mizu-cli)
    MIZU=${CARGO_TARGET_DIR:-$REPO/target}/release/mizu
fi

mz_pods_up "$SRV:11" "$CLI:12"
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
mz_bg_in "$MZ_TMP/nginx.log" "$SRV" nginx -c "$n/nginx.conf" -p "$n"
mz_wait_listen "$SRV" 8080

TAPLOG=$MZ_TMP/tap.log
MODE=${MODE:-netns}
if [[ $MODE == bridge ]]; then
    what=(-i "$MZ_BRIDGE")
else
    what=("^$PREFIX-(srv|cli)\$")
fi
# shellcheck disable=SC2086  # TAP_ARGS is a list of flags
mz_bg "$TAPLOG" "$MIZU" tap "${what[@]}" --local --headless --gui-port "$PORT" --status-every 1 \
    --max-entries-db-size 64MB --workers "$WORKERS" ${TAP_ARGS:-}
TAP=$MZ_LAST_PID
for _ in $(seq 100); do
    grep -q "capturing namespace $CLI" "$TAPLOG" && grep -q "capturing namespace $SRV" "$TAPLOG" && break
    [[ $MODE == bridge ]] && grep -q "capturing host" "$TAPLOG" && break
    sleep 0.1
done
curl -fsS "http://127.0.0.1:$PORT/status" >/dev/null || { cat "$TAPLOG" >&2; mz_die "mizu did not start"; }
sleep 2

appended() { curl -fsS "http://127.0.0.1:$PORT/status" | python3 -c 'import json,sys; print(json.load(sys.stdin)["store"]["appended"])'; }
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$TAP/stat"; }
drops() { { grep -o '[0-9]* kernel drops' "$TAPLOG" || echo 0; } | tail -1 | cut -d' ' -f1; }
rss_mib() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$TAP/status"; }

{
printf '# mizu tap live benchmark (%s mode, %s workers): %s, nginx + %s (%ss per step), load %s\n' \
    "$MODE" "$WORKERS" "$(date -u +%FT%TZ)" "$LOADGEN" "$DURATION" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%5s %9s %9s %9s %8s %7s %8s %7s %6s %7s\n' conc sent seen seen/sent req/s drops cpu/1k us/req cores rssMiB
} | tee "$OUTDIR/last-run-live.txt"
for c in "${CONC[@]}"; do
    sleep 2
    a0=$(appended); c0=$(cpu_s); d0=$(drops); t0=$(date +%s.%N)
    if [[ $LOADGEN == wrk ]]; then
        out=$(mz_in "$CLI" wrk -t "$((THREADS < c ? THREADS : c))" -c "$c" -d "${DURATION}s" "http://$MZ_NET.11:8080/" 2>&1)
        sent=$(awk '/requests in/ { print $1 }' <<<"$out")
    else
        out=$(mz_in "$CLI" ab -k -q -c "$c" -t "$DURATION" -n 100000000 "http://$MZ_NET.11:8080/" 2>&1)
        sent=$(awk '/^Complete requests/ { print $3 }' <<<"$out")
    fi
    # Let the last ring block retire and the hub batch flush (both well under 2 s).
    sleep 2
    t1=$(date +%s.%N); a1=$(appended); c1=$(cpu_s); d1=$(drops)
    python3 - "$c" "$sent" "$((a1 - a0))" "$((${d1:-0} - ${d0:-0}))" "$c0" "$c1" "$t0" "$t1" "$DURATION" "$(rss_mib)" <<'PY' | tee -a "$OUTDIR/last-run-live.txt"
import sys
c, sent, seen, drops = (int(x) for x in sys.argv[1:5])
c0, c1, t0, t1, dur = (float(x) for x in sys.argv[5:10])
rss = sys.argv[10]
cpu = c1 - c0
# wrk's last in-flight requests (at most one per connection) may have no response.
ratio = f"{100.0 * seen / sent:.2f}%" if sent else "-"
print(f"{c:5d} {sent:9d} {seen:9d} {ratio:>9} {sent / dur:8.0f} {drops:7d} {1000 * cpu / max(sent, 1):8.3f} "
      f"{1e6 * cpu / max(sent, 1):7.2f} {cpu / (t1 - t0):6.2f} {rss:>7}")
PY
done
kill -INT "$TAP"
for _ in $(seq 100); do kill -0 "$TAP" 2>/dev/null || break; sleep 0.1; done
grep "stopped after" "$TAPLOG" | tee -a "$OUTDIR/last-run-live.txt" >&2 || true
