#!/usr/bin/env bash
# HTTP/2 (h2c) offline-decoding benchmark (a measurement, not a test):
#   mizu read FILE --format jsonl > /dev/null
#   vs   tshark -r FILE -d tcp.port==8083,http2 -Y http2.headers.path -T fields -e http2.headers.path
# on h2load captures of 60,000 and 240,000 streams (nghttpd, 4 connections, 10
# concurrent streams each), printing streams/s, the ratio and peak RSS, and
# whether mizu's peak RSS stays flat when the capture is 4x larger.
#
#   sudo scripts/bench/http2.sh            # first run builds the captures (root: netns + tcpdump)
#   scripts/bench/http2.sh                 # later runs reuse bench-out/http2-*.pcap
#   MIZU=/path/to/mizu scripts/bench/http2.sh   # skip "cargo build"
#
# Captures: nghttpd --no-tls on 127.0.0.1:8083 and `h2load -c 4 -m 10` inside a
# private network namespace, tcpdump -i lo there (0 drops required, h2load must
# report every request succeeded). Cached in bench-out/ (gitignored).
# Env: MIZU, RUNS (mizu runs, median; default 3), TSHARK_RUNS (default 1),
# BENCH_OUT (default bench-out), BENCH_SIZES (default "60000 240000").
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUTDIR=${BENCH_OUT:-$REPO/bench-out}
RUNS=${RUNS:-3}
TSHARK_RUNS=${TSHARK_RUNS:-1}
read -r -a SIZES <<<"${BENCH_SIZES:-60000 240000}"
PORT=8083
MZ_TAG=bench-h2
# shellcheck source-path=SCRIPTDIR source=../fixtures/lib.sh
source "$REPO/scripts/fixtures/lib.sh"

mkdir -p "$OUTDIR"
pcap_for() { echo "$OUTDIR/http2-$(($1 / 1000))k.pcap"; }

NS=mz-bench-h2
SERVER_UP=0
start_server() {
    mkdir -p "$MZ_TMP/www"
    printf '{"ok":true}\n' >"$MZ_TMP/www/json"
    chmod -R a+rX "$MZ_TMP/www"
    mz_netns_up "$NS"
    mz_bg_in "$MZ_TMP/nghttpd.log" "$NS" nghttpd --no-tls -a 127.0.0.1 -d "$MZ_TMP/www" "$PORT"
    mz_wait_listen "$NS" "$PORT"
    SERVER_UP=1
}

build_capture() {  # N FILE
    local n=$1 file=$2 tmp=$2.tmp
    ((SERVER_UP)) || start_server
    mz_log "building $file: h2load -n $n -c 4 -m 10 (nghttpd on 127.0.0.1:$PORT in netns $NS)"
    MZ_CAPTURE_NETNS=$NS MZ_CAPTURE_FLAGS="-B 65536" mz_capture_start lo "$tmp" "tcp port $PORT"
    mz_in "$NS" h2load -n "$n" -c 4 -m 10 "http://127.0.0.1:$PORT/json" >"$MZ_TMP/h2load.log" 2>&1 ||
        { cat "$MZ_TMP/h2load.log" >&2; mz_die "h2load failed"; }
    MZ_SETTLE_POLLS=13 mz_capture_stop
    grep -E '^(finished|requests|status codes)' "$MZ_TMP/h2load.log" >&2
    grep -Eq "^requests: $n total, $n started, $n done, $n succeeded" "$MZ_TMP/h2load.log" ||
        mz_die "h2load did not complete $n requests"
    mv "$tmp" "$file"
    mz_log "ok: $file ($(du -h "$file" | cut -f1), $n streams)"
}

missing=()
for n in "${SIZES[@]}"; do [[ -s $(pcap_for "$n") ]] || missing+=("$n"); done
if ((${#missing[@]})); then
    mz_require_cmds nghttpd h2load tcpdump ip ss
    mz_init
    for n in "${missing[@]}"; do build_capture "$n" "$(pcap_for "$n")"; done
    mz_pods_down
fi

[[ -x /usr/bin/time ]] || mz_die "/usr/bin/time missing: apt-get install -y time"
mz_require_cmds tshark
if [[ -z ${MIZU:-} ]]; then
    MIZU=${CARGO_TARGET_DIR:-$REPO/target}/release/mizu
    mz_log "cargo build --release -p mizu-cli"
    (cd "$REPO" && cargo build --release -q -p mizu-cli)
fi

TMPF=$(mktemp -d)
trap 'rm -rf "$TMPF"' EXIT
measure() {  # prints "SECONDS MAXRSS_KB"
    /usr/bin/time -f '%e %M' -o "$TMPF/time" -- "$@" >/dev/null 2>"$TMPF/err" || { cat "$TMPF/err" >&2; return 1; }
    tail -n 1 "$TMPF/time"
}
median_of() {  # K CMD... -> "median_seconds max_rss_kb"
    local k=$1 i out
    local -a secs=() rss=()
    shift
    for ((i = 0; i < k; i++)); do
        out=$(measure "$@")
        secs+=("${out% *}")
        rss+=("${out#* }")
    done
    printf '%s %s\n' "$(printf '%s\n' "${secs[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" \
        "$(printf '%s\n' "${rss[@]}" | sort -g | tail -n 1)"
}

OUTF=$OUTDIR/last-run-http2.txt
{
    echo "HTTP/2 h2c decoding: mizu $("$MIZU" --version 2>/dev/null | awk '{print $NF}') vs tshark $(tshark --version 2>/dev/null | awk 'NR==1 {print $3}'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-22s %9s %10s %9s %12s %9s %10s %7s\n' capture streams mizu_s mizu_MB mizu_streams/s tshark_s tshark_MB ratio
} | tee "$OUTF"
declare -a RSS=()
for n in "${SIZES[@]}"; do
    f=$(pcap_for "$n")
    got=$("$MIZU" read --format jsonl "$f" | wc -l)
    [[ $got == "$n" ]] || mz_log "WARNING: mizu emitted $got entries for $n streams"
    read -r ms mr <<<"$(median_of "$RUNS" "$MIZU" read --format jsonl "$f")"
    read -r ts tr <<<"$(median_of "$TSHARK_RUNS" tshark -r "$f" -d "tcp.port==$PORT,http2" -Y http2.headers.path -T fields -e http2.headers.path)"
    RSS+=("$mr")
    awk -v f="${f##*/}" -v n="$got" -v ms="$ms" -v mr="$mr" -v ts="$ts" -v tr="$tr" 'BEGIN {
        msps = (ms > 0) ? n / ms : 0; tsps = (ts > 0) ? n / ts : 0
        printf "%-22s %9d %10.2f %9.1f %12.0f %9.2f %10.1f %6.1fx\n", f, n, ms, mr / 1024, msps, ts, tr / 1024, (ms > 0) ? ts / ms : 0 }' | tee -a "$OUTF"
done
if ((${#RSS[@]} > 1)); then
    awk -v a="${RSS[0]}" -v b="${RSS[-1]}" 'BEGIN { printf "mizu peak RSS %.1f MB -> %.1f MB (%s)\n", a/1024, b/1024, (b <= a * 1.5) ? "flat" : "GROWS" }' | tee -a "$OUTF"
fi
