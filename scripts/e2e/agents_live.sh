#!/usr/bin/env bash
# End-to-end test of several live agents feeding one hub (issue 15 item 5): two
# network-namespace "nodes", each running an HTTP server and captured live by its own
# `mizu agent --netns NODE --node NAME`, one `mizu hub`, clients in a third namespace.
# Every assertion goes THROUGH THE HUB API:
#  1. seen / sent = 100% per node, right method, path, status;
#  2. every entry names its node (node.name), and `node.name == "…"` filters work;
#  3. /status lists both agents with their live counters (packets, entries per protocol);
#  4. SIGTERM: each agent stops capturing, delivers what it holds, exits 0 with totals.
#
#   scripts/e2e/agents_live.sh target/debug/mizu
#
# Own bridge and /24 (mza-br0, 10.252.0.0/24). Needs root; exit 0 on success.
set -euo pipefail
MIZU=$(realpath "${1:?usage: $0 PATH_TO_MIZU}")
export MZ_BRIDGE=${MZ_BRIDGE:-mza-br0} MZ_NET=${MZ_NET:-10.252.0} MZ_TAG=e2e-agents
source "$(dirname "${BASH_SOURCE[0]}")/../fixtures/lib.sh"
mz_init
mz_require_cmds ip python3 curl
PORT=${MZA_HUB_PORT:-18898}
API="http://127.0.0.1:$PORT"
N=25
export MIZU_HUB_TOKEN=e2e-agents-token

mz_pods_up mza-a:11 mza-b:12 mza-c:13
for node in a b; do
    mkdir -p "$MZ_TMP/www-$node"
    for i in $(seq $N); do echo "node $node page $i" >"$MZ_TMP/www-$node/$node$i"; done
done
mz_bg_in "$MZ_TMP/srv-a.log" mza-a python3 -m http.server --bind "$MZ_NET.11" --directory "$MZ_TMP/www-a" 8080
mz_bg_in "$MZ_TMP/srv-b.log" mza-b python3 -m http.server --bind "$MZ_NET.12" --directory "$MZ_TMP/www-b" 8080
mz_wait_listen mza-a 8080
mz_wait_listen mza-b 8080

HUBLOG="$MZ_TMP/hub.log"
mz_bg "$HUBLOG" "$MIZU" hub --port "$PORT"
for _ in $(seq 50); do curl -fsS "$API/status" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$API/status" >/dev/null || { cat "$HUBLOG" >&2; mz_die "hub did not come up"; }

mz_bg "$MZ_TMP/agent-a.log" "$MIZU" agent --hub "ws://127.0.0.1:$PORT" --netns mza-a --node node-a --status-interval 0.5
AGENT_A=$MZ_LAST_PID
mz_bg "$MZ_TMP/agent-b.log" "$MIZU" agent --hub "ws://127.0.0.1:$PORT" --netns mza-b --node node-b --status-interval 0.5
AGENT_B=$MZ_LAST_PID
for node in a b; do
    for _ in $(seq 100); do
        grep -q "connected to" "$MZ_TMP/agent-$node.log" &&
            grep -q "capturing in namespace" "$MZ_TMP/agent-$node.log" && break
        sleep 0.1
    done
    grep -q "capturing in namespace mza-$node" "$MZ_TMP/agent-$node.log" &&
        grep -q "connected to" "$MZ_TMP/agent-$node.log" ||
        { cat "$MZ_TMP/agent-$node.log" >&2; mz_die "agent $node did not start"; }
done
mz_log "ok: two agents capturing, connected to one hub"

sent=0
for node in a b; do
    ip=$MZ_NET.11; [[ $node == b ]] && ip=$MZ_NET.12
    urls=()
    for i in $(seq $N); do urls+=("http://$ip:8080/$node$i"); done
    ok=$(mz_in mza-c curl -sS -o /dev/null -w '%{http_code}\n' "${urls[@]}" | grep -c '^200$')
    sent=$((sent + ok))
done
[[ $sent -eq $((2 * N)) ]] || mz_die "clients completed $sent of $((2 * N)) requests"
mz_log "sent: $sent HTTP requests ($N to each node)"

check() {
python3 - "$API" "$N" <<'PY'
import json, sys, time, urllib.request, urllib.parse
api, n = sys.argv[1], int(sys.argv[2])
def get(path):
    with urllib.request.urlopen(api + path, timeout=10) as r:
        return json.load(r)
def q(expr):
    return get("/entries?limit=10000&direction=1&leftOff=0&query=" + urllib.parse.quote(expr))["data"]
deadline = time.time() + 15
while time.time() < deadline and len(q("http")) < 2 * n:
    time.sleep(0.3)
def fail(msg):
    print("FAIL:", msg, file=sys.stderr); sys.exit(1)
for node in "ab":
    rows = q(f'node.name == "node-{node}"')
    full = [get("/entries/" + urllib.parse.quote(r["id"]))["data"] for r in rows]
    paths = sorted(e["request"]["path"] for e in full if e["protocol"]["name"] == "http")
    want = sorted(f"/{node}{i}" for i in range(1, n + 1))
    if paths != want:
        fail(f"node-{node}: seen {len(paths)} of {n} ({paths[:5]}…)")
    for e, r in zip(full, rows):
        if e["request"]["method"] != "GET" or e["response"]["status"] != 200:
            fail(f"node-{node}: {e['request']['method']} {e['response'].get('status')}")
        if e["node"]["name"] != f"node-{node}" or r["node"]["name"] != f"node-{node}":
            fail(f"node-{node}: entry names node {e['node']} (row {r.get('node')})")
        if e["capture"] != "af_packet":
            fail(f"capture {e['capture']!r}")
total = len(q(""))
if total != 2 * n:
    fail(f"{total} entries in the hub, {2 * n} sent")
# Counters arrive with the next status report (every 0.5 s, capture counters every 1 s).
def reports():
    return {a["node"]: a for a in get("/status")["agents"]}
deadline = time.time() + 10
while time.time() < deadline:
    agents = reports()
    if all((agents.get(nd, {}).get("report") or {}).get("entriesByProtocol", {}).get("http1", 0) >= n
           for nd in ("node-a", "node-b")):
        break
    time.sleep(0.3)
for node in ("node-a", "node-b"):
    a = agents.get(node)
    if not a or not a.get("report"):
        fail(f"/status has no report for {node}: {agents}")
    rep = a["report"]
    if rep["packets"] <= 0 or rep["entriesByProtocol"].get("http1", 0) < n:
        fail(f"{node} report: {rep}")
print(f"seen/sent: node-a {n}/{n} = 100%, node-b {n}/{n} = 100%; every entry names its node")
PY
}
check || { tail -n 5 "$MZ_TMP"/agent-*.log >&2; mz_die "hub API check failed"; }
mz_log "ok: seen / sent = 100% per node, node.name on every entry, filters by node"

for pid in "$AGENT_A" "$AGENT_B"; do kill -TERM "$pid"; done
for pid in "$AGENT_A" "$AGENT_B"; do
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && mz_die "agent $pid did not stop on SIGTERM"
    set +e; wait "$pid"; code=$?; set -e
    [[ $code -eq 0 ]] || { cat "$MZ_TMP"/agent-*.log >&2; mz_die "agent exit $code after SIGTERM"; }
done
for node in a b; do
    grep -q "mizu agent: done:.* 0 dropped (buffer full).* 0 unsent" "$MZ_TMP/agent-$node.log" ||
        { cat "$MZ_TMP/agent-$node.log" >&2; mz_die "agent $node: no clean totals"; }
    grep "mizu agent: done:" "$MZ_TMP/agent-$node.log" >&2
done
mz_log "ok: SIGTERM stopped both agents cleanly with totals"
mz_log "PASS"
