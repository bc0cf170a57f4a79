#!/usr/bin/env bash
# Builds mizu's container image: a statically linked binary (glibc, crt-static, the web UI
# embedded) in an image FROM scratch. Building needs podman (Debian: apt-get install
# podman; scripts/install-deps.sh installs it); no base image is pulled, no container runs.
#   deploy/build-image.sh [TAG]        (default tag: mizu:<crate version>)
# Environment:
#   PROFILE=release   cargo profile of the binary; `dev` builds an unoptimised one in a
#                     fraction of the time (the image test uses it: same linking, same UI)
#   PODMAN_ROOT=DIR   keep podman's storage in DIR (--root/--runroot) instead of the
#                     system's /var/lib/containers (the tests use a temporary one)
#   MIZU_IMAGE_TARGET_DIR=DIR  cargo's target dir for the static build (default: target/)
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-gnu
profile=${PROFILE:-release}
case "$profile" in
  dev) out=debug ;;
  *) out=$profile ;;
esac
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
tag=${1:-mizu:$version}
target_dir=${MIZU_IMAGE_TARGET_DIR:-target}
podman=(podman --storage-driver vfs)
if [ -n "${PODMAN_ROOT:-}" ]; then
  podman+=(--root "$PODMAN_ROOT/storage" --runroot "$PODMAN_ROOT/run")
fi
command -v podman >/dev/null 2>&1 || {
  echo "build-image: podman is not installed (Debian: apt-get install podman)" >&2
  exit 1
}
# --target keeps build scripts and proc macros dynamic; only the binary is static.
RUSTFLAGS="-C target-feature=+crt-static" CARGO_TARGET_DIR="$target_dir" \
  cargo build --profile "$profile" -p mizu-cli --target "$target"
bin="$target_dir/$target/$out/mizu"
# A static binary has no program interpreter (PT_INTERP); refuse to package anything else.
if LC_ALL=C readelf -l "$bin" | grep -q 'INTERP'; then
  echo "build-image: $bin is dynamically linked; the image FROM scratch needs a static one" >&2
  exit 1
fi
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "$bin" "$ctx/mizu"
"${podman[@]}" build -f deploy/Containerfile -t "$tag" "$ctx"
echo "built $tag"
