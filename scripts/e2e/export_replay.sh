#!/usr/bin/env bash
# End-to-end test of replay and export (issue 17 items 5 and 6) through `mizu tap
# '^mzr-' --local --enable-replay`: a real HTTP server (python http.server) in a netns
# pod, a client pod, every check THROUGH THE HUB API.
#
#   scripts/e2e/export_replay.sh target/debug/mizu
#
#  1. replay: POST /replay/ from the hub (host namespace, over the bridge) to the pod's
#     server returns its status, headers and body; the replayed request is captured
#     too, carrying `x-mizu-replay`; a refused port is a 502 and a server that never
#     answers a 504 within the asked timeout;
#  2. pcap export: GET /entries/pcap of a filter gives a pcapng whose entries, through
#     `mizu read`, equal the hub's entries of those connections (ids, capture kind,
#     names and flow numbers aside), and tshark sees the same requests; the response
#     headers count the connections found and missing;
#  3. HAR export: GET /entries/har of the same filter holds the same calls;
#  4. the same pcap export from `mizu hub` fed by a live `mizu agent --netns` (the hub
#     asks the agent for the packets over /agents/ws: `packets` request and reply).
# Own bridge and /24 (mzr-br0, 10.255.0.0/24). Needs root; exits 0 on success.
set -euo pipefail
MIZU=$(realpath "${1:?usage: $0 PATH_TO_MIZU}")
export MZ_BRIDGE=${MZ_BRIDGE:-mzr-br0} MZ_NET=${MZ_NET:-10.255.0} MZ_TAG=e2e-export
source "$(dirname "${BASH_SOURCE[0]}")/../fixtures/lib.sh"
mz_init
mz_require_cmds ip python3 curl tshark
PORT=${MZR_GUI_PORT:-18897}
API="http://127.0.0.1:$PORT"

mz_pods_up mzr-srv:11 mzr-cli:12
mkdir -p "$MZ_TMP/www"
for i in 1 2 3 4; do echo "page $i" >"$MZ_TMP/www/p$i"; done
mz_bg_in "$MZ_TMP/http.log" mzr-srv python3 -m http.server --protocol HTTP/1.1 --bind "$MZ_NET.11" --directory "$MZ_TMP/www" 8080
# Accepts and never answers (the replay timeout case).
mz_bg_in "$MZ_TMP/mute.log" mzr-srv python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("'"$MZ_NET"'.11", 8081)); s.listen(8)
held = [s.accept() for _ in range(1)]
time.sleep(30)'
mz_wait_listen mzr-srv 8080
mz_wait_listen mzr-srv 8081

TAPLOG="$MZ_TMP/tap.log"
mz_bg "$TAPLOG" "$MIZU" tap '^mzr-' --local --headless --gui-port "$PORT" --enable-replay
TAP_PID=$MZ_LAST_PID
for _ in $(seq 50); do curl -fsS "$API/status" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$API/status" >/dev/null || { cat "$TAPLOG" >&2; mz_die "hub did not come up"; }
for ns in mzr-srv mzr-cli; do
    for _ in $(seq 100); do grep -q "capturing namespace $ns" "$TAPLOG" && break; sleep 0.1; done
    grep -q "capturing namespace $ns" "$TAPLOG" || { cat "$TAPLOG" >&2; mz_die "namespace $ns not picked up"; }
done

# Traffic: p1 and p2 on one keep-alive connection, p3 and p4 one connection each.
mz_in mzr-cli curl -sS -o /dev/null -o /dev/null "http://$MZ_NET.11:8080/p1" "http://$MZ_NET.11:8080/p2"
mz_in mzr-cli curl -sS -o /dev/null "http://$MZ_NET.11:8080/p3"
mz_in mzr-cli curl -sS -o /dev/null "http://$MZ_NET.11:8080/p4"

# 1. Replay from the hub.
replay() { curl -sS -o "$MZ_TMP/replay.json" -w '%{http_code}' -H 'content-type: application/json' -d "$1" "$API/replay/"; }
code=$(replay '{"method":"GET","url":"http://'"$MZ_NET"'.11:8080/p3","headers":[{"name":"X-From","value":"e2e"}]}')
[[ $code == 200 ]] || mz_die "replay: HTTP $code: $(cat "$MZ_TMP/replay.json")"
python3 - "$MZ_TMP/replay.json" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
r = v["response"]
assert r["status"] == 200, v
assert r["content"]["text"] == "page 3\n", v
assert any(h["name"].lower() == "content-length" for h in r["headers"]), v
assert 0 < v["elapsedMs"] < 10000, v
PY
echo "replay: 200 'page 3' from the pod"
code=$(replay '{"url":"http://'"$MZ_NET"'.11:8099/"}')
[[ $code == 502 ]] && grep -q '"kind":"connect"' "$MZ_TMP/replay.json" || mz_die "refused: HTTP $code $(cat "$MZ_TMP/replay.json")"
code=$(replay '{"url":"http://'"$MZ_NET"'.11:8081/","timeoutMs":500}')
[[ $code == 504 ]] && grep -q '"kind":"timeout"' "$MZ_TMP/replay.json" || mz_die "timeout: HTTP $code $(cat "$MZ_TMP/replay.json")"
echo "replay: refused 502, timeout 504"
mz_log "ok: replay"

# Let the last block retire and the batch flush, then export.
sleep 3
python3 - "$API" "$MZ_TMP" <<'PY'
import json, subprocess, sys, urllib.request, urllib.parse
api, tmp = sys.argv[1], sys.argv[2]
def get(path):
    with urllib.request.urlopen(api + path, timeout=10) as r:
        return r.headers, r.read()
rows = json.loads(get("/entries?limit=10000&direction=1&leftOff=0")[1])["data"]
full = [json.loads(get("/entries/" + r["id"])[1])["data"] for r in rows]
http = [e for e in full if e["protocol"]["name"] == "http"]
replayed = [e for e in http if any(k.lower() == "x-mizu-replay" for k in e["request"]["headers"])]
if len(replayed) != 1 or replayed[0]["request"]["path"] != "/p3":
    sys.exit(f"FAIL: the replayed request was not captured once with x-mizu-replay: {len(replayed)}")
print("replay: the replayed request was captured with x-mizu-replay")

flt = 'request.path == "/p2" or request.path == "/p4"'
q = urllib.parse.quote(flt)
h, body = get("/entries/pcap?query=" + q)
found, missing = h["x-mizu-connections-found"], h["x-mizu-connections-missing"]
if (found, missing) != ("2", "0"):
    sys.exit(f"FAIL: pcap export found {found}, missing {missing}")
open(f"{tmp}/export.pcapng", "wb").write(body)
ports = {e["src"]["port"] for e in http if e["request"]["path"] in ("/p2", "/p4") and e["src"]["name"] == "mzr-cli"}
def norm(e):
    e = dict(e)
    for k in ("id", "flow"):
        e.pop(k, None)
    e["capture"] = "*"
    for side in ("src", "dst"):
        e[side] = dict(e[side], name="")
    return json.dumps(e, sort_keys=True)
want = sorted(norm(e) for e in full if e["src"]["port"] in ports)
open(f"{tmp}/want.jsonl", "w").write("\n".join(want) + "\n")
open(f"{tmp}/paths.txt", "w").write("\n".join(sorted(json.loads(w)["src"]["port"] + "\t" + json.loads(w)["request"]["path"] for w in want)) + "\n")
h, body = get("/entries/har?query=" + q)
har = json.loads(body)["log"]["entries"]
urls = sorted(e["request"]["url"].rsplit("/", 1)[1] for e in har)
if urls != ["p2", "p4"]:
    sys.exit(f"FAIL: HAR export holds {urls}")
print("har: the filter's 2 calls")
PY
"$MIZU" read --format jsonl "$MZ_TMP/export.pcapng" >"$MZ_TMP/read.jsonl"
python3 - "$MZ_TMP/want.jsonl" "$MZ_TMP/read.jsonl" <<'PY'
import json, sys
def norm(e):
    e = dict(e)
    for k in ("id", "flow"):
        e.pop(k, None)
    e["capture"] = "*"
    for side in ("src", "dst"):
        e[side] = dict(e[side], name="")
    return json.dumps(e, sort_keys=True)
want = sorted(l.strip() for l in open(sys.argv[1]) if l.strip())
got = sorted(norm(json.loads(l)) for l in open(sys.argv[2]))
if want != got:
    print(f"FAIL: hub {len(want)} entries, export read {len(got)}", file=sys.stderr)
    for x in (set(want) ^ set(got)):
        print(x[:500], file=sys.stderr)
    sys.exit(1)
print(f"pcap export: {len(got)} entries through mizu read ({sorted(json.loads(g)['request']['path'] for g in got)}), identical to the hub's")
PY
tshark -r "$MZ_TMP/export.pcapng" -Y http.request -T fields -e tcp.srcport -e http.request.uri | sed 's|\t/|\t/|' | sort >"$MZ_TMP/tshark.txt"
diff "$MZ_TMP/paths.txt" "$MZ_TMP/tshark.txt" >&2 || mz_die "tshark sees other requests than the hub"
echo "pcap export: tshark sees the same $(wc -l <"$MZ_TMP/tshark.txt") requests"
mz_log "ok: export"

# 4. mizu hub + a live agent: the hub fetches the packets from the agent.
mz_stop_pids INT "$TAP_PID"
export MIZU_HUB_TOKEN=e2e-export-token
HPORT=$((PORT + 1))
HAPI="http://127.0.0.1:$HPORT"
mz_bg "$MZ_TMP/hub.log" "$MIZU" hub --port "$HPORT"
for _ in $(seq 50); do curl -fsS "$HAPI/status" >/dev/null 2>&1 && break; sleep 0.1; done
mz_bg "$MZ_TMP/agent.log" "$MIZU" agent --hub "ws://127.0.0.1:$HPORT" --netns mzr-srv --node node-r --status-interval 0.5
for _ in $(seq 100); do
    grep -q "connected to" "$MZ_TMP/agent.log" && grep -q "capturing in namespace" "$MZ_TMP/agent.log" && break
    sleep 0.1
done
grep -q "capturing in namespace mzr-srv" "$MZ_TMP/agent.log" || { cat "$MZ_TMP/agent.log" >&2; mz_die "agent did not start"; }
mz_in mzr-cli curl -sS -o /dev/null -o /dev/null "http://$MZ_NET.11:8080/p1" "http://$MZ_NET.11:8080/p2"
mz_in mzr-cli curl -sS -o /dev/null "http://$MZ_NET.11:8080/p4"
sleep 3
python3 - "$HAPI" "$MZ_TMP" <<'PY'
import json, sys, urllib.request, urllib.parse
api, tmp = sys.argv[1], sys.argv[2]
def get(path):
    with urllib.request.urlopen(api + path, timeout=20) as r:
        return r.headers, r.read()
rows = json.loads(get("/entries?limit=10000&direction=1&leftOff=0")[1])["data"]
full = [json.loads(get("/entries/" + r["id"])[1])["data"] for r in rows]
q = urllib.parse.quote('node.name == "node-r" and request.path == "/p2"')
h, body = get("/entries/pcap?query=" + q)
if (h["x-mizu-connections-found"], h["x-mizu-connections-missing"]) != ("1", "0"):
    sys.exit(f"FAIL: agent pcap export found {h['x-mizu-connections-found']}, missing {h['x-mizu-connections-missing']}")
open(f"{tmp}/agent.pcapng", "wb").write(body)
port = [e["src"]["port"] for e in full if e["request"]["path"] == "/p2"]
def norm(e):
    e = dict(e)
    for k in ("id", "flow", "node"):
        e.pop(k, None)
    e["capture"] = "*"
    for side in ("src", "dst"):
        e[side] = dict(e[side], name="")
    return json.dumps(e, sort_keys=True)
open(f"{tmp}/agent-want.jsonl", "w").write("\n".join(sorted(norm(e) for e in full if e["src"]["port"] in port)) + "\n")
PY
"$MIZU" read --format jsonl "$MZ_TMP/agent.pcapng" >"$MZ_TMP/agent-read.jsonl"
python3 - "$MZ_TMP/agent-want.jsonl" "$MZ_TMP/agent-read.jsonl" <<'PY'
import json, sys
def norm(e):
    e = dict(e)
    for k in ("id", "flow", "node"):
        e.pop(k, None)
    e["capture"] = "*"
    for side in ("src", "dst"):
        e[side] = dict(e[side], name="")
    return json.dumps(e, sort_keys=True)
want = sorted(l.strip() for l in open(sys.argv[1]) if l.strip())
got = sorted(norm(json.loads(l)) for l in open(sys.argv[2]))
if want != got or len(got) != 2:
    print(f"FAIL: hub {len(want)} entries, agent export read {len(got)}", file=sys.stderr)
    for x in (set(want) ^ set(got)):
        print(x[:500], file=sys.stderr)
    sys.exit(1)
print(f"agent pcap export: {len(got)} entries through mizu read, identical to the hub's")
PY
mz_log "ok: export through an agent"
mz_log "PASS"
