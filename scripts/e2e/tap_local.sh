#!/usr/bin/env bash
# End-to-end test of `mizu tap REGEX --local --headless` (issue 15): real servers in
# network-namespace pods on a bridge, clients in another pod, mizu capturing the pods'
# namespaces live (AF_PACKET rings, one per namespace) and serving its hub; every
# assertion goes THROUGH THE HUB API (GET /entries, /entries/{id}).
#
#   scripts/e2e/tap_local.sh target/debug/mizu
#
# Checks, in order:
#  1. not root (setpriv to nobody): a clear error naming CAP_NET_RAW and the setcap command;
#  2. the pods are created AFTER mizu starts: namespaces appearing are picked up;
#  3. seen / sent = 100% for HTTP/1 (python http.server) and Redis (redis-server), with
#     the right method, path, status, command, and src.name/dst.name = the pods' names;
#  4. mizu's own traffic (the hub API on 127.0.0.1) is not captured;
#  5. a namespace that disappears is dropped within seconds;
#  6. Ctrl-C stops cleanly and prints totals;
#  7. the --pcap-out file gives, through `mizu read`, byte-identical entries to the
#     ones the live path stored (the live path writes capture "af_packet", read "pcap";
#     the hub adds ids and namespace names: those three fields are set aside);
#  8. host mode (no REGEX, -i BRIDGE,lo): the bridge (promiscuous) shows the pods'
#     traffic once, endpoints are still named after their namespaces, and the API
#     calls this script makes to mizu's own hub on lo are excluded and counted.
# Uses its own bridge and /24 (mzl-br0, 10.251.0.0/24) so parallel runs of other
# fixture scripts do not collide. Needs root; exits 0 on success, 1 with a message.
set -euo pipefail
MIZU=$(realpath "${1:?usage: $0 PATH_TO_MIZU}")
export MZ_BRIDGE=${MZ_BRIDGE:-mzl-br0} MZ_NET=${MZ_NET:-10.251.0} MZ_TAG=e2e-tap
source "$(dirname "${BASH_SOURCE[0]}")/../fixtures/lib.sh"
mz_init
mz_require_cmds ip python3 curl redis-server redis-cli setpriv
PORT=${MZL_GUI_PORT:-18899}
API="http://127.0.0.1:$PORT"
N_HTTP=40
N_REDIS=20

# 1. Not root: the error names the capability and the command to run.
set +e
msg=$(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$MIZU" tap --headless --gui-port "$PORT" 2>&1)
code=$?
set -e
[[ $code -eq 3 ]] || mz_die "not root: exit $code, expected 3: $msg"
grep -q "CAP_NET_RAW" <<<"$msg" || mz_die "not root: message does not name CAP_NET_RAW: $msg"
grep -q "setcap cap_net_raw,cap_net_admin,cap_sys_admin+ep" <<<"$msg" || mz_die "not root: no setcap command: $msg"
mz_log "ok: not-root error names CAP_NET_RAW and setcap"

# 2. mizu first, then the pods (namespaces appearing while tapping).
for ns in mzl-srv mzl-db mzl-cli mzl-late; do
    ip netns list | grep -qw -- "$ns" && { mz_netns_kill "$ns"; ip netns del "$ns"; }
done
TAPLOG="$MZ_TMP/tap.log"
PCAP="$MZ_TMP/live.pcapng"
mz_bg "$TAPLOG" "$MIZU" tap '^mzl-' --local --headless --gui-port "$PORT" --pcap-out "$PCAP"
TAP_PID=$MZ_LAST_PID
for _ in $(seq 50); do curl -fsS "$API/status" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$API/status" >/dev/null || { cat "$TAPLOG" >&2; mz_die "hub did not come up"; }

mz_pods_up mzl-srv:11 mzl-db:12 mzl-cli:13
mkdir -p "$MZ_TMP/www"
for i in $(seq $N_HTTP); do echo "page $i" >"$MZ_TMP/www/p$i"; done
mz_bg_in "$MZ_TMP/http.log" mzl-srv python3 -m http.server --bind "$MZ_NET.11" --directory "$MZ_TMP/www" 8080
mz_bg_in "$MZ_TMP/redis.log" mzl-db redis-server --bind "$MZ_NET.12" --port 6379 --save '' --appendonly no --protected-mode no
mz_wait_listen mzl-srv 8080
mz_wait_listen mzl-db 6379
for ns in mzl-srv mzl-db mzl-cli; do
    for _ in $(seq 100); do grep -q "capturing namespace $ns" "$TAPLOG" && break; sleep 0.1; done
    grep -q "capturing namespace $ns" "$TAPLOG" || { cat "$TAPLOG" >&2; mz_die "namespace $ns not picked up within 10 s"; }
done
mz_log "ok: namespaces created after start were picked up"

# 3. Traffic: half the pages over one keep-alive connection, half one connection each.
urls=()
for i in $(seq $((N_HTTP / 2))); do urls+=("http://$MZ_NET.11:8080/p$i"); done
sent_http=$(mz_in mzl-cli curl -sS -o /dev/null -w '%{http_code}\n' "${urls[@]}" | grep -c '^200$')
for i in $(seq $((N_HTTP / 2 + 1)) $N_HTTP); do
    code=$(mz_in mzl-cli curl -sS -o /dev/null -w '%{http_code}' "http://$MZ_NET.11:8080/p$i")
    [[ $code == 200 ]] && sent_http=$((sent_http + 1))
done
sent_redis=$(for i in $(seq $N_REDIS); do echo "SET e2e:$i v$i"; done |
    mz_in mzl-cli redis-cli -h "$MZ_NET.12" -p 6379 | grep -c '^OK$')
mz_log "sent: $sent_http HTTP requests, $sent_redis Redis commands"
[[ $sent_http -eq $N_HTTP && $sent_redis -eq $N_REDIS ]] || mz_die "clients did not complete"

# 4. Let the last block retire (20 ms) and the batch flush (1 s tick), then assert.
sleep 3
python3 - "$API" "$N_HTTP" "$N_REDIS" "$MZ_TMP/hub.jsonl" <<'PY'
import json, sys, urllib.request, urllib.parse
api, n_http, n_redis, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def get(path):
    with urllib.request.urlopen(api + path, timeout=10) as r:
        return json.load(r)
rows = get("/entries?limit=10000&direction=1&leftOff=0")["data"]
full = [get("/entries/" + urllib.parse.quote(r["id"]))["data"] for r in rows]
with open(out, "w") as f:
    for e in full:
        f.write(json.dumps(e, sort_keys=True) + "\n")
def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    for e in full[:5]:
        print(json.dumps(e)[:400], file=sys.stderr)
    sys.exit(1)
http = [e for e in full if e["protocol"]["name"] == "http"]
redis = [e for e in full if e["protocol"]["name"] == "redis"]
paths = sorted(e["request"]["path"] for e in http)
want = sorted(f"/p{i}" for i in range(1, n_http + 1))
if paths != want:
    fail(f"http: seen {len(paths)} of {n_http} sent ({len(set(paths))} distinct paths)")
for e in http:
    if e["request"]["method"] != "GET" or e["response"]["status"] != 200:
        fail(f"http: wrong method/status {e['request']['method']} {e['response'].get('status')}")
    if e["src"]["name"] != "mzl-cli" or e["dst"]["name"] != "mzl-srv":
        fail(f"http: names {e['src']['name']!r} -> {e['dst']['name']!r}")
    if e["capture"] != "af_packet":
        fail(f"capture {e['capture']!r}")
keys = sorted(e["request"].get("key", "") for e in redis if e["request"].get("command") == "SET")
if keys != sorted(f"e2e:{i}" for i in range(1, n_redis + 1)):
    fail(f"redis: seen {len(keys)} SETs of {n_redis} sent")
for e in redis:
    if e["src"]["name"] != "mzl-cli" or e["dst"]["name"] != "mzl-db":
        fail(f"redis: names {e['src']['name']!r} -> {e['dst']['name']!r}")
own = [e for e in full if e["dst"]["port"] == api.rsplit(":", 1)[1]]
if own:
    fail(f"{len(own)} entries of mizu's own hub traffic")
print(f"seen/sent: http {len(http)}/{n_http} = 100%, redis {len(keys)}/{n_redis} = 100%; names ok")
PY
mz_log "ok: seen / sent = 100% through the hub API, with method/path/status and names"

# 5. A namespace that goes away is dropped within seconds.
ip netns add mzl-late
MZ_PODS+=(mzl-late)
for _ in $(seq 100); do grep -q "capturing namespace mzl-late" "$TAPLOG" && break; sleep 0.1; done
grep -q "capturing namespace mzl-late" "$TAPLOG" || mz_die "mzl-late not picked up"
ip netns del mzl-late
for _ in $(seq 100); do grep -q "namespace mzl-late is gone" "$TAPLOG" && break; sleep 0.1; done
grep -q "namespace mzl-late is gone" "$TAPLOG" || { cat "$TAPLOG" >&2; mz_die "mzl-late not dropped within 10 s"; }
mz_log "ok: a namespace that disappeared was dropped"

# 6. Ctrl-C: clean stop with totals.
kill -INT "$TAP_PID"
for _ in $(seq 100); do kill -0 "$TAP_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$TAP_PID" 2>/dev/null; then mz_die "mizu tap did not stop on SIGINT"; fi
set +e; wait "$TAP_PID"; code=$?; set -e
[[ $code -eq 0 ]] || { cat "$TAPLOG" >&2; mz_die "mizu tap exit $code after SIGINT"; }
grep -q "mizu tap: stopped after" "$TAPLOG" || { cat "$TAPLOG" >&2; mz_die "no totals on Ctrl-C"; }
grep "stopped after" "$TAPLOG" >&2
mz_log "ok: Ctrl-C printed totals"

# 7. --pcap-out through `mizu read` = the live entries (capture kind, id, names aside).
"$MIZU" read --format jsonl "$PCAP" >"$MZ_TMP/read.jsonl"
python3 - "$MZ_TMP/hub.jsonl" "$MZ_TMP/read.jsonl" <<'PY'
import json, sys
def norm(e):
    e = dict(e)
    e.pop("id", None)
    e["capture"] = "*"
    for side in ("src", "dst"):
        e[side] = dict(e[side], name="")
    return json.dumps(e, sort_keys=True)
hub = sorted(norm(json.loads(l)) for l in open(sys.argv[1]))
read = sorted(norm(json.loads(l)) for l in open(sys.argv[2]))
if hub != read:
    only_hub = set(hub) - set(read)
    only_read = set(read) - set(hub)
    print(f"FAIL: live {len(hub)} entries, pcap-out read {len(read)}; {len(only_hub)} only live, {len(only_read)} only read", file=sys.stderr)
    for x in list(only_hub)[:2] + list(only_read)[:2]:
        print(x[:600], file=sys.stderr)
    sys.exit(1)
print(f"pcap-out: {len(read)} entries through mizu read, identical to the live ones")
PY
mz_log "ok: --pcap-out read back gives the live entries"

# 8. Host mode on the bridge and lo.
HPORT=$((PORT + 1))
HOSTLOG="$MZ_TMP/tap-host.log"
mz_bg "$HOSTLOG" "$MIZU" tap --headless --gui-port "$HPORT" -i "$MZ_BRIDGE,lo"
HOST_PID=$MZ_LAST_PID
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$HPORT/status" >/dev/null 2>&1 && break; sleep 0.1; done
for i in $(seq 10); do
    mz_in mzl-cli curl -sS -o /dev/null "http://$MZ_NET.11:8080/p$i"
    curl -fsS -o /dev/null "http://127.0.0.1:$HPORT/status"
done
sleep 3
python3 - "http://127.0.0.1:$HPORT" <<'PY'
import json, sys, urllib.request
api = sys.argv[1]
with urllib.request.urlopen(api + "/entries?limit=10000&direction=1&leftOff=0", timeout=10) as r:
    rows = json.load(r)["data"]
ours = [r for r in rows if r["dst"]["ip"].startswith("10.251.0.") and r["dst"]["port"] == "8080"]
own = [r for r in rows if r["dst"]["port"] == api.rsplit(":", 1)[1]]
if len(ours) != 10:
    sys.exit(f"FAIL host mode: {len(ours)} of 10 requests seen on the bridge")
if any(r["src"]["name"] != "mzl-cli" or r["dst"]["name"] != "mzl-srv" for r in ours):
    sys.exit(f"FAIL host mode names: {[(r['src']['name'], r['dst']['name']) for r in ours][:3]}")
if own:
    sys.exit(f"FAIL host mode: {len(own)} entries of mizu's own API traffic")
print("host mode: bridge 10/10 = 100%, names ok, own traffic not captured")
PY
kill -INT "$HOST_PID"
for _ in $(seq 100); do kill -0 "$HOST_PID" 2>/dev/null || break; sleep 0.1; done
grep "stopped after" "$HOSTLOG" >&2 || { cat "$HOSTLOG" >&2; mz_die "host-mode tap did not stop"; }
excluded=$(grep -o 'own traffic excluded [0-9]*' "$HOSTLOG" | grep -o '[0-9]*$')
[[ ${excluded:-0} -gt 0 ]] || mz_die "host mode: own-traffic exclusion not counted"
mz_log "ok: host mode on the bridge ($excluded own packets excluded)"
mz_log "PASS"
