#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian 12 machine: tshark (the
# cross-check oracle), tcpdump, Chromium (the web UI's browser tests), npm 11 (Vite 8
# needs it to build ui/), podman (the image build), and the Rust components fmt/clippy use. Idempotent: skips what
# is already there. Needs root for apt (CI and the dev machines run as root).
set -euo pipefail

need=()
command -v tshark >/dev/null 2>&1 || need+=(tshark)
command -v tcpdump >/dev/null 2>&1 || need+=(tcpdump)
command -v editcap >/dev/null 2>&1 || need+=(wireshark-common)
# Live-capture end-to-end tests (scripts/e2e/tap_local.sh): netns pods, real servers
# and clients, assertions through the hub API.
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || need+=(redis-tools)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
# scripts/e2e/protocols_live.sh: h2c (nghttpd/nghttp), gRPC (grpcio), AMQP (RabbitMQ +
# pika). Debian's python modules go to /usr/bin/python3, which the script looks for.
command -v nghttpd >/dev/null 2>&1 || need+=(nghttp2-server)
command -v nghttp >/dev/null 2>&1 || need+=(nghttp2-client)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || need+=(rabbitmq-server)
/usr/bin/python3 -c 'import grpc' >/dev/null 2>&1 || need+=(python3-grpcio)
/usr/bin/python3 -c 'import pika' >/dev/null 2>&1 || need+=(python3-pika)
# The web UI's browser tests (ui/e2e) and its build (crates/ui/build.rs).
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
# The fake Kubernetes API server's tests check it against a real kubectl (crates/kube/tests).
command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client)
# The container image is built by a test (crates/cli/tests/container_image.rs: podman build
# --storage-driver vfs FROM scratch; no container is run). Debian 12's podman 4.3.
command -v podman >/dev/null 2>&1 || need+=(podman)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: need root to apt-get install ${need[*]}; run: sudo $0" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer before installing.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The tests start RabbitMQ by hand inside a pod; a host service the package may have
  # started would only hold memory and port 5672.
  case " ${need[*]} " in
    *" rabbitmq-server "*)
      if command -v systemctl >/dev/null 2>&1; then
        systemctl disable --now rabbitmq-server >/dev/null 2>&1 || true
      fi ;;
  esac
fi

# The UI (ui/, built by crates/ui/build.rs) uses Vite 8, which needs Node 20.19+ and npm 11.
npm_major=$(npm --version 2>/dev/null | cut -d. -f1 || echo 0)
if [ "${npm_major:-0}" -lt 11 ]; then
  npm install -g npm@11 --no-audit --no-fund >/dev/null
fi

# Offline schema validation of mizu's Kubernetes manifests (crates/cli/tests/kube_validate.rs).
if ! command -v kubernetes-validate >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check kubernetes-validate 2>/dev/null \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages kubernetes-validate
fi

# OpenAPI documents inferred by mizu are checked with openapi-spec-validator (PyPI;
# scripts/validate-oas.py, crates/analysis/tests/oas.rs).
if ! python3 -c 'import openapi_spec_validator' >/dev/null 2>&1; then
  if ! python3 -m pip --version >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-pip >/dev/null
  fi
  python3 -m pip install --quiet openapi-spec-validator 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages openapi-spec-validator
fi

# rustfmt and clippy ship with the toolchain on this machine type; add them if not.
if ! cargo fmt --version >/dev/null 2>&1; then rustup component add rustfmt; fi
if ! cargo clippy --version >/dev/null 2>&1; then rustup component add clippy; fi
