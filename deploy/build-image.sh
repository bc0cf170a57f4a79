#!/usr/bin/env bash
# Builds mizu's container image: a statically linked release binary (glibc, crt-static, the
# web UI embedded) in an image FROM scratch. Building needs podman (Debian: apt-get install
# podman); no base image is pulled.
#   deploy/build-image.sh [TAG]        (default tag: mizu:<crate version>)
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-gnu
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
tag=${1:-mizu:$version}
# --target keeps build scripts and proc macros dynamic; only the binary is static.
RUSTFLAGS="-C target-feature=+crt-static" cargo build --release -p mizu-cli --target "$target"
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "target/$target/release/mizu" "$ctx/mizu"
podman build --storage-driver vfs -f deploy/Containerfile -t "$tag" "$ctx"
echo "built $tag"
