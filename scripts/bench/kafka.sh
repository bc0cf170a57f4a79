#!/usr/bin/env bash
# Kafka offline-decoding benchmark (a measurement, not a test):
#   mizu read FILE --format jsonl   vs   tshark -r FILE -Y kafka -T fields -e kafka.api_key
# on a capture of real load against a tansu broker, kafka-python pinned to
# api_version=(2,0,0) (old versions, which tshark 4.0 decodes fully), BENCH_N messages of
# ~100 bytes. BENCH_MODE picks the load:
#   produce (default)  a producer loop, acks=1, one Produce request per message
#                      (send().get()): BENCH_N request/response pairs
#   consume            BENCH_N messages produced first (not captured) in batches of up to
#                      BENCH_FETCH_BYTES (default 4096, ~25 messages), then a consumer
#                      reads them all from the start, fetching at most BENCH_FETCH_BYTES
#                      at a time: one Fetch request/response per batch or so
# Prints wall time, messages/s (Kafka request/response pairs) and peak RSS for both tools,
# and the mizu/tshark ratio (consume: also records/s).
#
#   sudo scripts/bench/kafka.sh            # first run builds the capture (root needed)
#   scripts/bench/kafka.sh                 # later runs reuse bench-out/kafka-*.pcap
#   MIZU=/path/to/mizu scripts/bench/kafka.sh   # skip "cargo build"
#
# Capture: tansu (TANSU, default /work/tools/tansu/bin/tansu; see scripts/fixtures/kafka.sh)
# and the client on 127.0.0.1 inside a private network namespace, tcpdump -i lo there,
# 0 drops required. Cached in bench-out/ (gitignored); delete it to rebuild.
#
# Env: MIZU (default: cargo build --release -p mizu-cli, then
# ${CARGO_TARGET_DIR:-target}/release/mizu), RUNS (median of; default 3), TSHARK_RUNS
# (default 1), BENCH_OUT (default bench-out), BENCH_N (messages; default 20000),
# BENCH_MODE (produce or consume), BENCH_FETCH_BYTES (consume), PIP_VENV (a venv with
# kafka-python; default: created under bench-out/). The capture's name says N and the mode
# (bench-out/kafka-100k-produce.pcap for BENCH_N=100000), so each is built once.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUTDIR=${BENCH_OUT:-$REPO/bench-out}
RUNS=${RUNS:-3}
TSHARK_RUNS=${TSHARK_RUNS:-1}
N=${BENCH_N:-20000}
MODE=${BENCH_MODE:-produce}
FETCH_BYTES=${BENCH_FETCH_BYTES:-4096}
PORT=9092          # tshark's default Kafka port: no -d needed
TANSU=${TANSU:-/work/tools/tansu/bin/tansu}
MZ_TAG=bench-kafka
# shellcheck source-path=SCRIPTDIR source=../fixtures/lib.sh
source "$REPO/scripts/fixtures/lib.sh"

[[ $MODE == produce || $MODE == consume ]] || mz_die "BENCH_MODE must be produce or consume"
mkdir -p "$OUTDIR"
PCAP=$OUTDIR/kafka-$((N / 1000))k-$MODE.pcap
if [[ $MODE == produce ]]; then
    LOAD_TEXT="$N produce requests (kafka-python api_version 2.0, acks=1)"
else
    LOAD_TEXT="$N messages consumed from the start (kafka-python api_version 2.0, batches and fetches of $FETCH_BYTES bytes)"
fi

# ---- build the capture (once) ----------------------------------------------------
if [[ ! -s $PCAP ]]; then
    mz_require_cmds tcpdump ip ss python3
    [[ -x $TANSU ]] || mz_die "tansu not found at $TANSU"
    VENV=${PIP_VENV:-$OUTDIR/kafka-venv}
    if [[ ! -x $VENV/bin/python ]]; then
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q kafka-python >&2
    fi
    mz_init
    NS=mz-bench-kafka
    mz_netns_up "$NS"
    mz_bg_in "$MZ_TMP/tansu.log" "$NS" "$TANSU" broker --listener-url "tcp://127.0.0.1:$PORT" \
        --advertised-listener-url "tcp://127.0.0.1:$PORT" --storage-engine memory://tansu/
    mz_wait_listen "$NS" "$PORT" 30
    mz_in "$NS" "$TANSU" topic create bench --partitions 1 --broker "tcp://127.0.0.1:$PORT" >&2 || true
    mz_log "building $PCAP: $LOAD_TEXT"
    # Producer: one request per message (produce), or batched and not captured (consume).
    [[ $MODE == produce ]] &&
        MZ_CAPTURE_NETNS=$NS MZ_CAPTURE_FLAGS="-B 65536" mz_capture_start lo "$PCAP.tmp" "tcp port $PORT"
    mz_in "$NS" "$VENV/bin/python" - "$N" "127.0.0.1:$PORT" "$MODE" "$FETCH_BYTES" >"$MZ_TMP/bench.log" 2>&1 <<'PY' || { cat "$MZ_TMP/bench.log" >&2; mz_die "producer failed"; }
import sys, time
from kafka import KafkaProducer
n, b, mode, fb = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
batched = mode == "consume"
p = KafkaProducer(bootstrap_servers=b, api_version=(2, 0, 0), enable_idempotence=False, acks=1,
                  linger_ms=20 if batched else 0, batch_size=fb if batched else 16384,
                  client_id="mizu-bench")
t = time.time()
for i in range(n):
    f = p.send("bench", key=b"k%d" % i, value=b'{"n":%d,"pad":"%s"}' % (i, b"x" * 80))
    if not batched:
        f.get(timeout=10)
p.flush()
p.close()
print("produced %d in %.1fs" % (n, time.time() - t))
PY
    if [[ $MODE == consume ]]; then
        MZ_CAPTURE_NETNS=$NS MZ_CAPTURE_FLAGS="-B 65536" mz_capture_start lo "$PCAP.tmp" "tcp port $PORT"
        mz_in "$NS" "$VENV/bin/python" - "$N" "127.0.0.1:$PORT" "$FETCH_BYTES" >>"$MZ_TMP/bench.log" 2>&1 <<'PY' || { cat "$MZ_TMP/bench.log" >&2; mz_die "consumer failed"; }
import sys, time
from kafka import KafkaConsumer, TopicPartition
n, b, fb = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = KafkaConsumer(bootstrap_servers=b, api_version=(2, 0, 0), client_id="mizu-bench",
                  group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
                  max_partition_fetch_bytes=fb, fetch_max_bytes=fb,
                  consumer_timeout_ms=10000)
tp = TopicPartition("bench", 0)
c.assign([tp])
c.seek_to_beginning(tp)
t = time.time()
got = 0
for m in c:
    got += 1
    if got >= n:
        break
c.close()
print("consumed %d in %.1fs" % (got, time.time() - t))
sys.exit(0 if got >= n else 1)
PY
    fi
    MZ_SETTLE_POLLS=13 mz_capture_stop      # dies if the kernel dropped packets
    cat "$MZ_TMP/bench.log" >&2
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
M_T="" M_R="" M_LINES="" COMMANDS=$N N_T="" N_R="" T_T="" T_R="" T_PDUS=""
mz_log "tshark -r FILE -Y kafka -T fields -e kafka.api_key (x$TSHARK_RUNS)"
if r=$(MEASURE_OUT=$TMPF/tshark.out median_of "$TSHARK_RUNS" tshark -r "$PCAP" -Y kafka -T fields -e kafka.api_key); then
    T_T=${r% *} T_R=${r#* }
    # Sanity: Kafka PDUs tshark decoded (requests and responses).
    T_PDUS=$(tr ',' '\n' <"$TMPF/tshark.out" | grep -c . || true)
else
    mz_log "WARNING: tshark failed: $(tail -n 3 "$ERRF" | tr '\n' ' ')"
fi
if ((MIZU_OK)); then
    mz_log "$MIZU read FILE --format jsonl (x$RUNS)"
    if r=$(median_of "$RUNS" "$MIZU" read "$PCAP" --format jsonl); then
        M_T=${r% *} M_R=${r#* }
        M_LINES=$("$MIZU" read "$PCAP" --format jsonl 2>/dev/null | wc -l)
        COMMANDS=$M_LINES
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
    echo "Kafka decode benchmark -- $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, load avg at start: $LOAD"
    echo "capture: $(basename "$PCAP") ($(du -h "$PCAP" | cut -f1)): $LOAD_TEXT = $COMMANDS Kafka messages (request/response pairs, incl. metadata)"
    echo "tshark $(tshark --version 2>/dev/null | awk 'NR==1 {print $3}'); mizu median of $RUNS runs, tshark of $TSHARK_RUNS; RSS = peak"
    echo
    row capture tool wall_s "messages/s" peak_MB notes
    f=$(basename "$PCAP")
    [[ -n $M_T ]] && row "$f" mizu "$M_T" "$(rate "$COMMANDS" "$M_T")" "$(mb "$M_R")" "$M_LINES jsonl entries"
    [[ -n $N_T ]] && row "$f" mizu "$N_T" "$(rate "$COMMANDS" "$N_T")" "$(mb "$N_R")" "--format none"
    [[ -n $T_T ]] && row "$f" tshark "$T_T" "$(rate "$COMMANDS" "$T_T")" "$(mb "$T_R")" "-Y kafka: $T_PDUS PDUs decoded"
    echo
    if [[ $MODE == consume && -n $M_T && -n $T_T ]]; then
        echo "records (messages consumed): mizu $(rate "$N" "$M_T")/s, tshark $(rate "$N" "$T_T")/s"
    fi
    if [[ -n $M_T && -n $T_T ]]; then
        awk -v mt="$M_T" -v tt="$T_T" -v mr="$M_R" -v tr="$T_R" 'BEGIN {
            printf "mizu jsonl / tshark -Y kafka: throughput %.2fx, peak RSS %.2fx\n", (mt > 0 ? tt / mt : 0), mr / tr }'
    fi
} | tee "$OUTDIR/last-run-kafka$([[ $MODE == produce ]] || echo "-$MODE").txt"
