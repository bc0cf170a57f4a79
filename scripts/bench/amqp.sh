#!/usr/bin/env bash
# AMQP 0-9-1 offline-decoding benchmark (a measurement, not a test):
#   mizu read FILE --format jsonl   vs   tshark -r FILE -Y amqp -T fields -e amqp.method.method
# on a capture of N (default 50,000) pika Basic.Publish messages on one connection.
#
#   sudo scripts/bench/amqp.sh            # first run: builds the capture (root needed)
#   scripts/bench/amqp.sh                 # later runs reuse bench-out/amqp-50k.pcap
#   MIZU=/path/to/mizu scripts/bench/amqp.sh   # skip "cargo build"
#
# Capture: RabbitMQ (apt rabbitmq-server, env.md §3 start) on 127.0.0.1:5672
# inside a private network namespace, the pika publish loop of
# scripts/fixtures/amqp_client.py ("bench N") in the same namespace, tcpdump -i lo
# there; 0 drops required.
# Cached in bench-out/ (gitignored); delete it to rebuild.
#
# Env: MIZU, RUNS (default 3), TSHARK_RUNS (default 1), BENCH_OUT (default
# bench-out), AMQP_MESSAGES (default 50000), PYTHON (default python3, needs pika).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUTDIR=${BENCH_OUT:-$REPO/bench-out}
RUNS=${RUNS:-3}
TSHARK_RUNS=${TSHARK_RUNS:-1}
N=${AMQP_MESSAGES:-50000}
PYTHON=${PYTHON:-python3}
PORT=5672
MZ_TAG=bench-amqp
# shellcheck source-path=SCRIPTDIR source=../fixtures/lib.sh
source "$REPO/scripts/fixtures/lib.sh"

mkdir -p "$OUTDIR"
PCAP=$OUTDIR/amqp-$((N / 1000))k.pcap

# ---- build the capture (once) --------------------------------------------------
if [[ ! -s $PCAP ]]; then
    RMQ=/usr/lib/rabbitmq/bin/rabbitmq-server
    mz_require_cmds tcpdump ip ss tshark "$PYTHON" "$RMQ"
    mz_init
    NS=mz-bench-amqp
    mz_netns_up "$NS"
    R=$MZ_TMP/rmq
    mkdir -p "$R"
    printf 'loopback_users = none\nlisteners.tcp.default = 127.0.0.1:%s\n' "$PORT" >"$R/rabbitmq.conf"
    : >"$R/enabled_plugins"
    mz_bg_in "$MZ_TMP/rabbitmq.log" "$NS" env HOME="$R" RABBITMQ_CONFIG_FILE="$R/rabbitmq.conf" \
        RABBITMQ_MNESIA_BASE="$R/mnesia" RABBITMQ_LOG_BASE="$R/log" RABBITMQ_NODENAME=rabbit@localhost \
        RABBITMQ_ENABLED_PLUGINS_FILE="$R/enabled_plugins" "$RMQ"
    mz_wait_listen "$NS" "$PORT" 30
    MZ_CAPTURE_NETNS=$NS MZ_CAPTURE_FLAGS="-B 65536" mz_capture_start lo "$PCAP.tmp" "tcp port $PORT"
    mz_log "publishing $N messages with pika"
    mz_in "$NS" "$PYTHON" "$REPO/scripts/fixtures/amqp_client.py" 127.0.0.1 bench "$N" >&2
    MZ_SETTLE_POLLS=13 mz_capture_stop
    # tshark 4.0 decodes only some of the many frames pika packs into one segment, so
    # completeness rests on tcpdump's 0 drops; mizu's count is printed in the report.
    mv "$PCAP.tmp" "$PCAP"
    mz_pods_down
    mz_log "ok: $PCAP ($(du -h "$PCAP" | cut -f1))"
fi

# ---- the tools -------------------------------------------------------------------
[[ -x /usr/bin/time ]] || mz_die "/usr/bin/time missing: apt-get install -y time"
if [[ -z ${MIZU:-} ]]; then
    MIZU=${CARGO_TARGET_DIR:-$REPO/target}/release/mizu
    (cd "$REPO" && cargo build --release -q -p mizu-cli) || mz_die "cargo build failed"
fi
TMPF=$(mktemp -d)
trap 'rm -rf "$TMPF"' EXIT
measure() {  # CMD... -> "SECONDS MAXRSS_KB"
    /usr/bin/time -f '%e %M' -o "$TMPF/time" -- "$@" >"$TMPF/out" 2>/dev/null || return 1
    tail -n 1 "$TMPF/time"
}
median_of() {  # K CMD... -> "median_seconds max_rss_kb"
    local k=$1 i out
    local -a secs=() rss=()
    shift
    for ((i = 0; i < k; i++)); do
        out=$(measure "$@") || return 1
        secs+=("${out% *}") rss+=("${out#* }")
    done
    printf '%s %s\n' "$(printf '%s\n' "${secs[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" \
        "$(printf '%s\n' "${rss[@]}" | sort -n | tail -n 1)"
}

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
mz_log "mizu read (x$RUNS)"
m=$(median_of "$RUNS" "$MIZU" read "$PCAP" --format jsonl)
M_PUB=$("$MIZU" read "$PCAP" --format jsonl 2>/dev/null | grep -c '"method":"Basic.Publish"')
mz_log "tshark -Y amqp (x$TSHARK_RUNS)"
t=$(median_of "$TSHARK_RUNS" tshark -r "$PCAP" -Y amqp -T fields -e amqp.method.method)
T_PUB=$(tshark -r "$PCAP" -Y amqp -T fields -e amqp.method.class -e amqp.method.method 2>/dev/null |
    awk -F'\t' '{n = split($1, c, ","); split($2, m, ","); for (i = 1; i <= n; i++) if (c[i] == 60 && m[i] == 40) k++} END {print k + 0}')
{
    echo
    echo "AMQP decode benchmark -- $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load avg at start: $LOAD"
    echo "capture: $(basename "$PCAP") ($(du -h "$PCAP" | cut -f1)), $N Basic.Publish; mizu found $M_PUB, tshark $T_PUB"
    awk -v n="$N" -v mt="${m% *}" -v mr="${m#* }" -v tt="${t% *}" -v tr="${t#* }" 'BEGIN {
        printf "mizu   jsonl:   %6.2f s  %9.0f msg/s  peak RSS %6.1f MB\n", mt, (mt > 0 ? n / mt : 0), mr / 1024
        printf "tshark -Y amqp: %6.2f s  %9.0f msg/s  peak RSS %6.1f MB\n", tt, (tt > 0 ? n / tt : 0), tr / 1024
        printf "ratio: mizu throughput %.2fx tshark, RSS %.2fx\n", (mt > 0 ? tt / mt : 0), mr / tr }'
} | tee "$OUTDIR/last-run-amqp.txt"
