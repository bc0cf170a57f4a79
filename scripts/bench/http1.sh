#!/usr/bin/env bash
# HTTP/1 offline-decoding benchmark (a measurement, not a test):
#   mizu read FILE --format jsonl   vs   tshark -r FILE -q -z http,tree
# on captures of 100,000 and 500,000 HTTP keep-alive requests; also checks
# that mizu's peak RSS stays flat when the capture is 5x larger.
#
#   sudo scripts/bench/http1.sh            # first run: builds the captures (root needed)
#   scripts/bench/http1.sh                 # later runs reuse bench-out/*.pcap
#   MIZU=/path/to/mizu scripts/bench/http1.sh   # skip "cargo build"
#
# Captures: nginx (keepalive_requests 1000000, access_log off) and
# `ab -k -c 4` on 127.0.0.1 inside a private network namespace (so the host's
# lo and ports are untouched), tcpdump -i lo in that namespace, 0 drops
# required, and every request and response verified to be in the file.
# They are cached in bench-out/ (gitignored); delete them to rebuild.
#
# Env: MIZU (default: cargo build --release -p mizu-cli, then
# ${CARGO_TARGET_DIR:-target}/release/mizu), RUNS (mizu runs, median taken;
# default 3), TSHARK_RUNS (default 3), BENCH_OUT (default bench-out),
# BENCH_SIZES (default "100000 500000"; the first is the baseline).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUTDIR=${BENCH_OUT:-$REPO/bench-out}
RUNS=${RUNS:-3}
TSHARK_RUNS=${TSHARK_RUNS:-3}
read -r -a SIZES <<<"${BENCH_SIZES:-100000 500000}"
PORT=8088          # one of tshark's default HTTP ports: no -o needed
MZ_TAG=bench
# shellcheck source-path=SCRIPTDIR source=../fixtures/lib.sh
source "$REPO/scripts/fixtures/lib.sh"

mkdir -p "$OUTDIR"
pcap_for() { echo "$OUTDIR/http1-$(($1 / 1000))k.pcap"; }

# ---- build the captures (once) -------------------------------------------------
NS=mz-bench
NGINX_UP=0
start_nginx() {
    local n=$MZ_TMP/nginx
    mkdir -p "$n/logs"
    # The env.md section 3 config: every request on the same 4 connections.
    cat >"$n/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $n/nginx.pid;
error_log $n/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $n/body;
    proxy_temp_path $n/proxy;
    fastcgi_temp_path $n/fcgi;
    uwsgi_temp_path $n/uwsgi;
    scgi_temp_path $n/scgi;
    server {
        listen 127.0.0.1:$PORT;
        location / { default_type text/plain; return 200 "hello nginx\n"; }
        location /json { default_type application/json; return 200 '{"ok":true}'; }
    }
}
EOF
    mz_netns_up "$NS"
    mz_bg_in "$MZ_TMP/nginx.log" "$NS" nginx -p "$n" -c "$n/nginx.conf" -e "$n/logs/error.log"
    mz_wait_listen "$NS" "$PORT"
    NGINX_UP=1
}

# Count TCP segments that carry payload in one direction.
payload_pkts() {  # FILE "src"|"dst"
    tcpdump -nr "$1" "tcp $2 port $PORT and (((ip[2:2] - ((ip[0]&0xf)<<2)) - ((tcp[12]&0xf0)>>2)) != 0)" \
        2>/dev/null | wc -l
}

build_capture() {  # N FILE
    local n=$1 file=$2 tmp=$2.tmp reqs resps
    ((NGINX_UP)) || start_nginx
    mz_log "building $file: ab -k -n $n -c 4 (nginx on 127.0.0.1:$PORT in netns $NS)"
    # Buffered tcpdump (no -U / immediate mode) and a 64 MB ring: ~100k pkt/s.
    # Its default TPACKET_V3 ring hands blocks over after at most 1 s, so wait
    # 1.3 s of no file growth before stopping it (MZ_SETTLE_POLLS).
    MZ_CAPTURE_NETNS=$NS MZ_CAPTURE_FLAGS="-B 65536" mz_capture_start lo "$tmp" "tcp port $PORT"
    mz_in "$NS" ab -q -k -n "$n" -c 4 "http://127.0.0.1:$PORT/json" >"$MZ_TMP/ab.log" 2>&1 ||
        { cat "$MZ_TMP/ab.log" >&2; mz_die "ab failed"; }
    MZ_SETTLE_POLLS=13 mz_capture_stop      # dies if the kernel dropped packets
    grep -E 'Complete requests|Failed requests|Keep-Alive requests|Requests per second' "$MZ_TMP/ab.log" >&2
    if ! grep -Eq "^Complete requests: +$n\$" "$MZ_TMP/ab.log" ||
        ! grep -Eq '^Failed requests: +0$' "$MZ_TMP/ab.log"; then
        mz_die "ab did not complete $n requests without failures"
    fi
    # ab requests (~90 B) and nginx responses (~170 B) are one segment each,
    # so a complete capture has exactly n payload segments each way.
    reqs=$(payload_pkts "$tmp" dst)
    resps=$(payload_pkts "$tmp" src)
    ((reqs == n && resps == n)) ||
        mz_die "capture incomplete: $reqs request / $resps response segments, expected $n"
    mv "$tmp" "$file"
    mz_log "ok: $file ($(du -h "$file" | cut -f1), $n requests, $n responses)"
}

missing=()
for n in "${SIZES[@]}"; do [[ -s $(pcap_for "$n") ]] || missing+=("$n"); done
if ((${#missing[@]})); then
    mz_require_cmds nginx ab tcpdump ip ss
    mz_init        # root check, scratch dir, teardown trap
    for n in "${missing[@]}"; do build_capture "$n" "$(pcap_for "$n")"; done
    mz_pods_down   # nginx no longer needed; don't let it disturb the timings
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
if ((MIZU_OK)) && [[ ! -x $MIZU ]] && ! command -v "$MIZU" >/dev/null; then
    mz_log "WARNING: $MIZU is not executable: tshark numbers only"
    MIZU_OK=0
fi

# measure CMD... : runs CMD with stdout to $MEASURE_OUT (default /dev/null) and
# prints "SECONDS MAXRSS_KB", or returns non-zero (stderr is left in $ERRF).
if [[ -n $MZ_TMP ]]; then
    TMPF=$MZ_TMP            # removed by lib.sh's teardown
else
    TMPF=$(mktemp -d)
    trap 'rm -rf "$TMPF"' EXIT
fi
ERRF=$TMPF/err
measure() {
    /usr/bin/time -f '%e %M' -o "$TMPF/time" -- "$@" >"${MEASURE_OUT:-/dev/null}" 2>"$ERRF" || return 1
    tail -n 1 "$TMPF/time"
}
# median_of K CMD... : K runs; prints "median_seconds max_rss_kb".
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

# ---- run ---------------------------------------------------------------------------
# Other work on this machine skews wall times: record the load as we start.
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A M_T M_R M_LINES N_T N_R T_T T_R T_REQ
for n in "${SIZES[@]}"; do
    f=$(pcap_for "$n")
    mz_log "$(basename "$f"): tshark -r FILE -q -z http,tree (x$TSHARK_RUNS)"
    if r=$(MEASURE_OUT=$TMPF/tree median_of "$TSHARK_RUNS" tshark -r "$f" -q -z http,tree); then
        T_T[$n]=${r% *} T_R[$n]=${r#* }
        # Sanity: tshark's own request count from the tree.
        T_REQ[$n]=$(awk '/HTTP Request Packets/ {print $4; exit}' "$TMPF/tree")
    else
        mz_log "WARNING: tshark failed on $f: $(tail -n 3 "$ERRF" | tr '\n' ' ')"
    fi
    if ((MIZU_OK)); then
        mz_log "$(basename "$f"): $MIZU read FILE --format jsonl (x$RUNS)"
        if r=$(median_of "$RUNS" "$MIZU" read "$f" --format jsonl); then
            M_T[$n]=${r% *} M_R[$n]=${r#* }
            # Untimed extra run: how many JSON lines did it print? (A fast
            # reader that emits nothing is not a result.)
            M_LINES[$n]=$("$MIZU" read "$f" --format jsonl 2>/dev/null | wc -l)
        else
            mz_log "WARNING: mizu failed on $f ($(grep -o 'non-zero status [0-9]*' "$TMPF/time" || echo "killed?")): $(tail -n 3 "$ERRF" | tr '\n' ' ')"
        fi
        # The like-for-like row: tshark's http,tree dissects every message but prints only
        # a summary; `--format none` builds every entry and prints none.
        mz_log "$(basename "$f"): $MIZU read FILE --format none (x$RUNS)"
        if r=$(median_of "$RUNS" "$MIZU" read "$f" --format none); then
            N_T[$n]=${r% *} N_R[$n]=${r#* }
        fi
    fi
done

# ---- report ------------------------------------------------------------------------
rate() { awk -v n="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.0f", n / t; else print "inf" }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
report() {
    local n f
    echo
    echo "HTTP/1 decode benchmark -- $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo))"
    echo "tshark $(tshark --version 2>/dev/null | awk 'NR==1 {print $3}'); mizu: $( ((MIZU_OK)) && echo "$MIZU" || echo "n/a")"
    echo "mizu: median of $RUNS runs; tshark: median of $TSHARK_RUNS run(s); RSS = peak (max over runs); load avg at start: $LOAD"
    echo
    printf '%-18s %9s %-7s %9s %10s %10s  %s\n' capture requests tool wall_s "req/s" "peak_MB" notes
    for n in "${SIZES[@]}"; do
        f=$(basename "$(pcap_for "$n")")
        if [[ -n ${M_T[$n]:-} ]]; then
            printf '%-18s %9s %-7s %9s %10s %10s  %s\n' "$f" "$n" mizu "${M_T[$n]}" \
                "$(rate "$n" "${M_T[$n]}")" "$(mb "${M_R[$n]}")" "${M_LINES[$n]} jsonl lines"
        else
            printf '%-18s %9s %-7s %9s %10s %10s  %s\n' "$f" "$n" mizu - - - "no result"
        fi
        if [[ -n ${N_T[$n]:-} ]]; then
            printf '%-18s %9s %-7s %9s %10s %10s  %s\n' "$f" "$n" mizu "${N_T[$n]}" \
                "$(rate "$n" "${N_T[$n]}")" "$(mb "${N_R[$n]}")" "--format none (entries built, not printed)"
        fi
        if [[ -n ${T_T[$n]:-} ]]; then
            printf '%-18s %9s %-7s %9s %10s %10s  %s\n' "$f" "$n" tshark "${T_T[$n]}" \
                "$(rate "$n" "${T_T[$n]}")" "$(mb "${T_R[$n]}")" "http,tree: ${T_REQ[$n]:-?} requests"
        else
            printf '%-18s %9s %-7s %9s %10s %10s  %s\n' "$f" "$n" tshark - - - "failed"
        fi
    done
    echo
    for n in "${SIZES[@]}"; do
        if [[ -n ${M_T[$n]:-} && -n ${T_T[$n]:-} ]]; then
            awk -v n="$n" -v mt="${M_T[$n]}" -v tt="${T_T[$n]}" -v mr="${M_R[$n]}" -v tr="${T_R[$n]}" 'BEGIN {
                printf "%7d requests: mizu jsonl / tshark http,tree throughput %.2fx, peak RSS %.2fx\n",
                    n, (mt > 0 ? tt / mt : 0), mr / tr }'
        fi
        if [[ -n ${N_T[$n]:-} && -n ${T_T[$n]:-} ]]; then
            awk -v n="$n" -v mt="${N_T[$n]}" -v tt="${T_T[$n]}" 'BEGIN {
                printf "%7d requests: mizu no-output / tshark http,tree throughput %.2fx\n", n, (mt > 0 ? tt / mt : 0) }'
        fi
    done
    local base=${SIZES[0]} big=${SIZES[${#SIZES[@]} - 1]}
    if [[ $base != "$big" && -n ${M_R[$base]:-} && -n ${M_R[$big]:-} ]]; then
        awk -v a="${M_R[$base]}" -v b="${M_R[$big]}" -v na="$base" -v nb="$big" 'BEGIN {
            r = b / a
            printf "mizu peak RSS %d -> %d requests: %.1f MB -> %.1f MB (%.2fx): %s\n", na, nb, a / 1024, b / 1024, r,
                (r <= 1.25 ? "FLAT" : "GROWS with input (streaming memory expected to stay flat)") }'
    fi
}
report | tee "$OUTDIR/last-run.txt"
