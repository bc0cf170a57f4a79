#!/usr/bin/env bash
# Redis offline-decoding benchmark (a measurement, not a test):
#   mizu read FILE --format jsonl   vs   tshark -r FILE -Y resp -T fields -e resp.array.length
# on a capture of `redis-benchmark -t set,get -n N -P 16 -c 4` (2N pipelined commands).
# Prints wall time, messages/s (commands: each is one request + one reply) and peak RSS
# for both tools, and the mizu/tshark ratio.
#
#   sudo scripts/bench/redis.sh            # first run builds the capture (root needed)
#   scripts/bench/redis.sh                 # later runs reuse bench-out/redis-*.pcap
#   MIZU=/path/to/mizu scripts/bench/redis.sh   # skip "cargo build"
#
# Capture: redis-server and redis-benchmark on 127.0.0.1 inside a private network
# namespace (the host's lo and port 6379 are untouched), tcpdump -i lo in that namespace,
# 0 drops required. Cached in bench-out/ (gitignored); delete it to rebuild.
#
# Env: MIZU (default: cargo build --release -p mizu-cli, then
# ${CARGO_TARGET_DIR:-target}/release/mizu), RUNS (median of; default 3), TSHARK_RUNS
# (default 1), BENCH_OUT (default bench-out), BENCH_N (redis-benchmark -n; default 100000).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUTDIR=${BENCH_OUT:-$REPO/bench-out}
RUNS=${RUNS:-3}
TSHARK_RUNS=${TSHARK_RUNS:-1}
N=${BENCH_N:-100000}
PORT=6379          # tshark's default RESP port: no -d needed
MZ_TAG=bench-redis
# shellcheck source-path=SCRIPTDIR source=../fixtures/lib.sh
source "$REPO/scripts/fixtures/lib.sh"

mkdir -p "$OUTDIR"
PCAP=$OUTDIR/redis-$((N / 1000))k-P16.pcap
COMMANDS=$((2 * N))   # -t set,get

# ---- build the capture (once) ----------------------------------------------------
if [[ ! -s $PCAP ]]; then
    mz_require_cmds redis-server redis-benchmark tcpdump ip ss
    mz_init
    NS=mz-bench-redis
    mz_netns_up "$NS"
    mz_bg_in "$MZ_TMP/redis.log" "$NS" redis-server --bind 127.0.0.1 --port "$PORT" \
        --save '' --appendonly no --daemonize no --dir "$MZ_TMP"
    mz_wait_listen "$NS" "$PORT"
    mz_log "building $PCAP: redis-benchmark -t set,get -n $N -P 16 -c 4"
    MZ_CAPTURE_NETNS=$NS MZ_CAPTURE_FLAGS="-B 65536" mz_capture_start lo "$PCAP.tmp" "tcp port $PORT"
    mz_in "$NS" redis-benchmark -h 127.0.0.1 -p "$PORT" -t set,get -n "$N" -P 16 -c 4 -q \
        >"$MZ_TMP/bench.log" 2>&1 || { cat "$MZ_TMP/bench.log" >&2; mz_die "redis-benchmark failed"; }
    MZ_SETTLE_POLLS=13 mz_capture_stop      # dies if the kernel dropped packets
    tr '\r' '\n' <"$MZ_TMP/bench.log" | grep -E 'requests per second' >&2 || true
    mv "$PCAP.tmp" "$PCAP"
    mz_pods_down
    mz_log "ok: $PCAP ($(du -h "$PCAP" | cut -f1))"
fi

# ---- the tools -------------------------------------------------------------------
[[ -x /usr/bin/time ]] || mz_die "/usr/bin/time missing: apt-get install -y time"
mz_require_cmds tshark
MIZU_OK=1
if [[ -z ${MIZU:-} ]]; then
    MIZU=${CARGO_TARGET_DIR:-$REPO/target}/release/mizu
    mz_log "cargo build --release -p mizu-cli"
    if ! (cd "$REPO" && cargo build --release -q -p mizu-cli); then
        mz_log "WARNING: cargo build failed: tshark numbers only"
        MIZU_OK=0
    fi
fi

TMPF=$(mktemp -d)
trap 'rm -rf "$TMPF"' EXIT
ERRF=$TMPF/err
measure() {
    /usr/bin/time -f '%e %M' -o "$TMPF/time" -- "$@" >"${MEASURE_OUT:-/dev/null}" 2>"$ERRF" || return 1
    tail -n 1 "$TMPF/time"
}
median_of() {
    local k=$1 i out
    local -a secs=() rss=()
    shift
    for ((i = 0; i < k; i++)); do
        out=$(measure "$@") || return 1
        secs+=("${out% *}")
        rss+=("${out#* }")
    done
    printf '%s %s\n' \
        "$(printf '%s\n' "${secs[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')" \
        "$(printf '%s\n' "${rss[@]}" | sort -n | tail -n 1)"
}

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
M_T="" M_R="" M_LINES="" N_T="" N_R="" T_T="" T_R="" T_ARRAYS=""
mz_log "tshark -r FILE -Y resp -T fields -e resp.array.length (x$TSHARK_RUNS)"
if r=$(MEASURE_OUT=$TMPF/tshark.out median_of "$TSHARK_RUNS" tshark -r "$PCAP" -Y resp -T fields -e resp.array.length); then
    T_T=${r% *} T_R=${r#* }
    # Sanity: top-level arrays tshark decoded (commands, plus array replies: none for SET/GET).
    T_ARRAYS=$(tr ',' '\n' <"$TMPF/tshark.out" | grep -c . || true)
else
    mz_log "WARNING: tshark failed: $(tail -n 3 "$ERRF" | tr '\n' ' ')"
fi
if ((MIZU_OK)); then
    mz_log "$MIZU read FILE --format jsonl (x$RUNS)"
    if r=$(median_of "$RUNS" "$MIZU" read "$PCAP" --format jsonl); then
        M_T=${r% *} M_R=${r#* }
        M_LINES=$("$MIZU" read "$PCAP" --format jsonl 2>/dev/null | wc -l)
    else
        mz_log "WARNING: mizu failed: $(tail -n 3 "$ERRF" | tr '\n' ' ')"
    fi
    if r=$(median_of "$RUNS" "$MIZU" read "$PCAP" --format none); then
        N_T=${r% *} N_R=${r#* }
    fi
fi

# ---- report ------------------------------------------------------------------------
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.0f", n / t; else print "inf" }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
row() { printf '%-24s %-7s %9s %12s %10s  %s\n' "$@"; }
{
    echo
    echo "Redis decode benchmark -- $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load avg at start: $LOAD"
    echo "capture: $(basename "$PCAP") ($(du -h "$PCAP" | cut -f1)): redis-benchmark -t set,get -n $N -P 16 -c 4 = $COMMANDS commands"
    echo "tshark $(tshark --version 2>/dev/null | awk 'NR==1 {print $3}'); mizu median of $RUNS runs, tshark of $TSHARK_RUNS; RSS = peak"
    echo
    row capture tool wall_s "messages/s" peak_MB notes
    f=$(basename "$PCAP")
    [[ -n $M_T ]] && row "$f" mizu "$M_T" "$(rate "$COMMANDS" "$M_T")" "$(mb "$M_R")" "$M_LINES jsonl entries"
    [[ -n $N_T ]] && row "$f" mizu "$N_T" "$(rate "$COMMANDS" "$N_T")" "$(mb "$N_R")" "--format none"
    [[ -n $T_T ]] && row "$f" tshark "$T_T" "$(rate "$COMMANDS" "$T_T")" "$(mb "$T_R")" "-Y resp: $T_ARRAYS arrays decoded"
    echo
    if [[ -n $M_T && -n $T_T ]]; then
        awk -v mt="$M_T" -v tt="$T_T" -v mr="$M_R" -v tr="$T_R" 'BEGIN {
            printf "mizu jsonl / tshark -Y resp: throughput %.2fx, peak RSS %.2fx\n", (mt > 0 ? tt / mt : 0), mr / tr }'
    fi
} | tee "$OUTDIR/last-run-redis.txt"
