#!/usr/bin/env bash
# Network-namespace "pods" for the Kubernetes targeting/names end-to-end test
# (crates/cli/tests/kube_names_e2e.rs drives it): a bridge mzk-br0 (10.253.0.0/24) and
#   mzk-api .11 (python http.server :8080), mzk-web .12 (same), mzk-x .14 (same),
#   mzk-cli .13 (the client).
# Prints "ready" on stdout once the servers listen, then waits until its stdin closes
# (the test ends) and removes everything it made. Needs root.
set -euo pipefail
export MZ_BRIDGE=${MZ_BRIDGE:-mzk-br0} MZ_NET=${MZ_NET:-10.253.0} MZ_TAG=e2e-kube
source "$(dirname "${BASH_SOURCE[0]}")/../fixtures/lib.sh"
mz_init
mz_require_cmds ip python3 curl
mz_pods_up mzk-api:11 mzk-web:12 mzk-cli:13 mzk-x:14
for p in api:11 web:12 x:14; do
    name=${p%%:*} num=${p##*:}
    mkdir -p "$MZ_TMP/www-$name"
    for i in $(seq 50); do echo "$name page $i" >"$MZ_TMP/www-$name/$name$i"; done
    mz_bg_in "$MZ_TMP/srv-$name.log" "mzk-$name" python3 -m http.server \
        --bind "$MZ_NET.$num" --directory "$MZ_TMP/www-$name" 8080
done
for name in api web x; do mz_wait_listen "mzk-$name" 8080; done
echo ready
# Until the test closes our stdin (or the bound runs out: 10 minutes).
read -r -t 600 _ || true
