#!/usr/bin/env bash
# End-to-end test of `--workers 2` (issue 15: PACKET_FANOUT capture workers): real
# servers and several concurrent clients in network-namespace pods, `mizu tap` and
# `mizu agent` capturing with two workers; every assertion goes through the hub API.
#
#   scripts/e2e/tap_workers.sh target/debug/mizu
#
# Checks:
#  1. netns mode (`mizu tap '^mzw-' --workers 2`, started before the pods: namespaces
#     appearing are handed to both workers): each packet is seen in the client's and the
#     server's namespace, and both copies must reach the same worker (the kernel's
#     symmetric fanout hash, groups joined in worker order) for the duplicate filter to
#     drop one: every request of 3 concurrent clients appears exactly once with the right
#     method, path and status (seen / sent = 100%, no duplicates); entries of different
#     connections never share a flow id; GET /status `capture.workers[]` shows packets on
#     both workers, and the totals are their sums; a namespace deleted is dropped;
#  2. host/bridge mode (`mizu tap -i BRIDGE --workers 2`): the same on the bridge;
#  3. `mizu agent --workers 2` into a `mizu hub`: the same through /agents/ws, and the
#     agent's status report names both workers' packets (`workerPackets`).
# Own bridge and /24 (mzw-br0, 10.249.0.0/24). Needs root; exits 0 on success.
set -euo pipefail
MIZU=$(realpath "${1:?usage: $0 PATH_TO_MIZU}")
export MZ_BRIDGE=${MZ_BRIDGE:-mzw-br0} MZ_NET=${MZ_NET:-10.249.0} MZ_TAG=e2e-workers
source "$(dirname "${BASH_SOURCE[0]}")/../fixtures/lib.sh"
mz_init
mz_require_cmds ip python3 curl
PORT=${MZW_GUI_PORT:-18871}
CLIENTS=(mzw-c1 mzw-c2 mzw-c3)
N=12   # requests per client and run: 4 by one curl, 8 by a curl each

for ns in mzw-srv "${CLIENTS[@]}" mzw-late; do
    ip netns list | grep -qw -- "$ns" && { mz_netns_kill "$ns"; ip netns del "$ns"; }
done

# Starts mizu tap with "$@", waits for its API on port $1.
start_tap() {
    local port=$1 log=$2
    shift 2
    mz_bg "$log" "$MIZU" tap "$@" --local --headless --gui-port "$port" --status-every 1
    TAP_PID=$MZ_LAST_PID
    for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$port/status" >/dev/null 2>&1 && break; sleep 0.1; done
    curl -fsS "http://127.0.0.1:$port/status" >/dev/null || { cat "$log" >&2; mz_die "hub did not come up"; }
}

stop_pid() {
    local pid=$1 log=$2
    kill -INT "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && mz_die "pid $pid did not stop on SIGINT"
    set +e; wait "$pid"; local code=$?; set -e
    [[ $code -eq 0 ]] || { cat "$log" >&2; mz_die "exit $code after SIGINT"; }
}

# The clients, concurrently: client c, run r asks /c<c>/r<r>-<i> (200 for even i, 404
# for odd: only the even files exist).
traffic() {
    local run=$1 pids=() c=0
    for cli in "${CLIENTS[@]}"; do
        c=$((c + 1))
        mkdir -p "$MZ_TMP/www/c$c"
        for i in $(seq 2 2 $N); do echo "c$c $run $i" >"$MZ_TMP/www/c$c/$run-$i"; done
        (
            urls=()
            for i in 1 2 3 4; do urls+=("http://$MZ_NET.11:8080/c$c/$run-$i"); done
            mz_in "$cli" curl -sS -o /dev/null -w '%{http_code}\n' "${urls[@]}"
            for i in $(seq 5 $N); do
                mz_in "$cli" curl -sS -o /dev/null -w '%{http_code}\n' "http://$MZ_NET.11:8080/c$c/$run-$i"
            done
        ) >"$MZ_TMP/sent-$run-$c" &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
    local sent
    sent=$(cat "$MZ_TMP"/sent-"$run"-* | grep -cE '^(200|404)$')
    [[ $sent -eq $((N * ${#CLIENTS[@]})) ]] || mz_die "$run: clients completed $sent requests"
    mz_log "$run: sent $sent requests from ${#CLIENTS[@]} concurrent clients"
}

# check API RUN [status-json-path]: every request of RUN exactly once, with method,
# path, status; flow ids unique per connection; both workers got packets.
check() {
    python3 - "$1" "$2" "${#CLIENTS[@]}" "$N" "${3:-}" <<'PY'
import json, sys, urllib.request, urllib.parse
api, run, clients, n, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def get(path):
    with urllib.request.urlopen(api + path, timeout=10) as r:
        return json.load(r)
q = urllib.parse.quote(f'request.path.startsWith("/c") and request.path.contains("/{run}-")')
rows = get(f"/entries?limit=10000&direction=1&leftOff=0&query={q}")["data"]
full = [get("/entries/" + urllib.parse.quote(r["id"]))["data"] for r in rows]
def fail(msg):
    sys.exit(f"FAIL {run}: {msg}")
paths = [e["request"]["path"] for e in full]
want = {f"/c{c}/{run}-{i}" for c in range(1, clients + 1) for i in range(1, n + 1)}
dups = sorted({p for p in paths if paths.count(p) > 1})
if dups:
    fail(f"{len(dups)} requests stored more than once: {dups[:5]}")
if set(paths) != want:
    fail(f"seen {len(set(paths) & want)} of {len(want)} sent; missing {sorted(want - set(paths))[:5]}")
for e in full:
    i = int(e["request"]["path"].rsplit("-", 1)[1])
    st = e["response"].get("status")
    if e["request"]["method"] != "GET" or st != (200 if i % 2 == 0 else 404):
        fail(f"{e['request']['path']}: {e['request']['method']} -> {st}")
# One flow id per connection, and no two connections with the same id.
conn_of = {}
for e in full:
    conn = (e["src"]["ip"], e["src"]["port"], e["dst"]["ip"], e["dst"]["port"])
    conn_of.setdefault(e["flow"], set()).add(conn)
clash = {f: c for f, c in conn_of.items() if len(c) > 1}
if clash:
    fail(f"flow ids shared by different connections: {list(clash.items())[:3]}")
conns = len({c for cs in conn_of.values() for c in cs})
if mode == "agent":
    agents = get("/status")["agents"]
    per = [a.get("report", {}).get("workerPackets", []) for a in agents]
    per = max(per, key=len, default=[])
    if len(per) != 2 or min(per) == 0:
        fail(f"agent workerPackets {per}: both workers must have packets")
else:
    cap = get("/status")["capture"]
    per = [w["packets"] for w in cap["workers"]]
    if len(per) != 2 or min(per) == 0:
        fail(f"capture.workers packets {per}: both workers must have packets")
    if sum(per) != cap["packets"] or sum(w["entries"] for w in cap["workers"]) != cap["entries"]:
        fail(f"capture totals are not the workers' sums: {cap}")
print(f"{run}: {len(want)}/{len(want)} = 100%, no duplicates, {conns} connections with distinct flow ids; worker packets {per[0]}/{per[1]}")
PY
}

# 1. netns mode: mizu first, then the pods.
mkdir -p "$MZ_TMP/www"
TAPLOG=$MZ_TMP/tap.log
start_tap "$PORT" "$TAPLOG" '^mzw-' --workers 2
grep -q "with 2 capture workers" "$TAPLOG" || { cat "$TAPLOG" >&2; mz_die "tap did not start 2 workers"; }
mz_pods_up mzw-srv:11 mzw-c1:21 mzw-c2:22 mzw-c3:23
mz_bg_in "$MZ_TMP/http.log" mzw-srv python3 -m http.server --bind "$MZ_NET.11" --directory "$MZ_TMP/www" 8080
mz_wait_listen mzw-srv 8080
for ns in mzw-srv "${CLIENTS[@]}"; do
    for _ in $(seq 100); do grep -q "capturing namespace $ns" "$TAPLOG" && break; sleep 0.1; done
    grep -q "capturing namespace $ns" "$TAPLOG" || { cat "$TAPLOG" >&2; mz_die "namespace $ns not picked up"; }
done
sleep 0.5   # each worker takes its sockets at its next poll (<= 100 ms)
traffic netns
sleep 3
check "http://127.0.0.1:$PORT" netns
ip netns add mzw-late
MZ_PODS+=(mzw-late)
for _ in $(seq 100); do grep -q "capturing namespace mzw-late" "$TAPLOG" && break; sleep 0.1; done
ip netns del mzw-late
for _ in $(seq 100); do grep -q "namespace mzw-late is gone" "$TAPLOG" && break; sleep 0.1; done
grep -q "namespace mzw-late is gone" "$TAPLOG" || { cat "$TAPLOG" >&2; mz_die "mzw-late not dropped"; }
stop_pid "$TAP_PID" "$TAPLOG"
grep -q "duplicates [1-9]" "$TAPLOG" || { cat "$TAPLOG" >&2; mz_die "netns mode: no duplicates suppressed (each packet is seen twice)"; }
grep -o "2 workers, packets [0-9]*/[0-9]*" "$TAPLOG" >&2 || { cat "$TAPLOG" >&2; mz_die "no per-worker totals"; }
mz_log "ok: netns mode with 2 workers"

# 2. host mode on the bridge.
HPORT=$((PORT + 1))
HOSTLOG=$MZ_TMP/tap-host.log
start_tap "$HPORT" "$HOSTLOG" -i "$MZ_BRIDGE" --workers 2
sleep 0.5
traffic bridge
sleep 3
check "http://127.0.0.1:$HPORT" bridge
stop_pid "$TAP_PID" "$HOSTLOG"
mz_log "ok: bridge mode with 2 workers"

# 3. mizu agent --workers 2 into mizu hub.
APORT=$((PORT + 2))
HUBLOG=$MZ_TMP/hub.log
MIZU_HUB_TOKEN=w0rkers mz_bg "$HUBLOG" "$MIZU" hub --port "$APORT" --token w0rkers
HUB_PID=$MZ_LAST_PID
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$APORT/status" >/dev/null 2>&1 && break; sleep 0.1; done
AGENTLOG=$MZ_TMP/agent.log
ns_args=()
for ns in mzw-srv "${CLIENTS[@]}"; do ns_args+=(--netns "$ns"); done
MIZU_HUB_TOKEN=w0rkers mz_bg "$AGENTLOG" "$MIZU" agent --hub "ws://127.0.0.1:$APORT" --node mzw-node \
    --status-interval 0.5 --workers 2 "${ns_args[@]}"
AGENT_PID=$MZ_LAST_PID
for _ in $(seq 100); do grep -qs "2 capture workers" "$AGENTLOG" && break; sleep 0.1; done
grep -qs "2 capture workers" "$AGENTLOG" || { cat "$AGENTLOG" >&2; mz_die "agent did not start 2 workers"; }
sleep 1
traffic agent
sleep 4
check "http://127.0.0.1:$APORT" agent agent
stop_pid "$AGENT_PID" "$AGENTLOG"
grep -o "capture stopped: [0-9]* packets (2 workers: [0-9]*/[0-9]*)" "$AGENTLOG" >&2 || { cat "$AGENTLOG" >&2; mz_die "agent: no per-worker totals"; }
stop_pid "$HUB_PID" "$HUBLOG"
mz_log "ok: mizu agent with 2 workers"
mz_log "PASS"
