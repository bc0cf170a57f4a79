#!/usr/bin/env bash
# Live and pcap paths give byte-identical entries for the same packets (issue 15).
#
#   scripts/e2e/replay_live.sh target/debug/mizu
#
# A veth pair in a private network namespace (mzr-wire: tx0 <-> rx0, MTU 65535, IPv6
# off, nothing else on it); `mizu tap --netns mzr-wire` captures that namespace live
# (AF_PACKET ring on `any`: each frame is seen leaving tx0 and arriving on rx0, and
# duplicate suppression passes it on once) while scripts/e2e/pcap_send.py writes the
# frames of fixture captures (HTTP/1, HTTP/2 + gRPC, Redis, AMQP, Kafka, WebSocket) into
# tx0, one file after the other.
# The entries the hub stored are then compared with `mizu read` of the same files.
#
# Normalised (they must differ between a live capture and a file), nothing else:
#  - time: every `timestamp`, `startTime`, `time`, `elapsedTime`, `elapsedMicros` (the
#    live path stamps packets when the ring sees them, the file carries the original
#    times); entries are compared as sorted sets, since the order of entries that finish
#    at the same moment follows their times;
#  - `capture` ("af_packet" live, "pcap" read), the hub's `id`, and `src.name`/`dst.name`
#    (live endpoints are named after this machine's namespaces).
# Needs root; exits 0 on success, 1 with a message.
set -euo pipefail
MIZU=$(realpath "${1:?usage: $0 PATH_TO_MIZU}")
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
export MZ_TAG=e2e-replay
source "$HERE/../fixtures/lib.sh"
mz_init
mz_require_cmds ip python3 curl
PORT=${MZR_GUI_PORT:-18896}
API="http://127.0.0.1:$PORT"
FILES=(
    http1/01-keepalive-bridge.pcap
    http1/06-pipelining.pcap
    http2/06-grpc.pcap
    redis/01-commands.pcap
    amqp/01-pika-basics.pcap
    kafka/03-consumer-group.pcap
    websocket/01-plain.pcap
)

NS=mzr-wire
mz_netns_up "$NS"
ip -n "$NS" link add tx0 type veth peer name rx0
for d in tx0 rx0; do
    ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"
    ip -n "$NS" link set "$d" mtu 65535 up
done

TAPLOG="$MZ_TMP/tap.log"
mz_bg "$TAPLOG" "$MIZU" tap --netns "$NS" --local --headless --gui-port "$PORT"
TAP_PID=$MZ_LAST_PID
for _ in $(seq 50); do curl -fsS "$API/status" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "$API/status" >/dev/null || { cat "$TAPLOG" >&2; mz_die "hub did not come up"; }

paths=()
for f in "${FILES[@]}"; do
    paths+=("$REPO/testdata/$f")
    mz_in "$NS" python3 "$HERE/pcap_send.py" tx0 "$REPO/testdata/$f" >&2 ||
        mz_die "sending $f failed"
done
# Every connection in these files ends with FIN/RST, so its entries are out by the next
# tick: fetch them through the hub API while the tap still runs.
sleep 3
python3 - "$API" "$MZ_TMP/live.jsonl" <<'PY'
import json, sys, urllib.request, urllib.parse
api, out = sys.argv[1], sys.argv[2]
def get(path):
    with urllib.request.urlopen(api + path, timeout=10) as r:
        return json.load(r)
rows = get("/entries?limit=10000&direction=1&leftOff=0")["data"]
with open(out, "w") as f:
    for r in rows:
        f.write(json.dumps(get("/entries/" + urllib.parse.quote(r["id"]))["data"]) + "\n")
PY
kill -INT "$TAP_PID"
for _ in $(seq 100); do kill -0 "$TAP_PID" 2>/dev/null || break; sleep 0.1; done
grep "stopped after" "$TAPLOG" >&2 || { cat "$TAPLOG" >&2; mz_die "mizu tap did not stop"; }
grep -q "kernel drops 0," "$TAPLOG" || mz_die "the kernel dropped packets: the comparison would be void"

"$MIZU" read --format jsonl "${paths[@]}" >"$MZ_TMP/read.jsonl"
python3 - "$MZ_TMP/live.jsonl" "$MZ_TMP/read.jsonl" <<'PY'
import json, sys
TIME = {"timestamp", "startTime", "time", "elapsedTime", "elapsedMicros"}
def strip(v):
    if isinstance(v, dict):
        return {k: ("*" if k in TIME else strip(x)) for k, x in v.items()}
    if isinstance(v, list):
        return [strip(x) for x in v]
    return v
def norm(e):
    e = strip(e)
    e.pop("id", None)
    e["capture"] = "*"
    for side in ("src", "dst"):
        e[side] = dict(e[side], name="")
    return json.dumps(e, sort_keys=True)
live = sorted(norm(json.loads(l)) for l in open(sys.argv[1]))
read = sorted(norm(json.loads(l)) for l in open(sys.argv[2]))
protos = sorted({json.loads(x)["protocol"]["name"] for x in read})
if not read:
    sys.exit("FAIL: mizu read gave no entries")
if live != read:
    only_live = [x for x in live if x not in read]
    only_read = [x for x in read if x not in live]
    print(f"FAIL: live {len(live)} entries, read {len(read)}; {len(only_live)} only live, "
          f"{len(only_read)} only read", file=sys.stderr)
    for x in only_live[:2] + only_read[:2]:
        print(x[:800], file=sys.stderr)
    sys.exit(1)
print(f"replay: {len(live)} live entries identical to mizu read of the same files ({', '.join(protos)})")
PY
mz_log "ok: live and pcap give the same entries for the same packets"
mz_log "PASS"
