#!/usr/bin/env bash
# `npm run build:release`: tsvisor compiled for every Linux target, and their checksums, in dist/release/.
#   tsvisor-linux-x64, tsvisor-linux-arm64            glibc (Debian, Ubuntu, RHEL, ...)
#   tsvisor-linux-x64-musl, tsvisor-linux-arm64-musl  musl (Alpine; needs `apk add libstdc++`)
# The cross targets' Bun runtimes download through the npm registry, like Bun itself.
set -euo pipefail
cd "$(dirname "$0")/.."
out=dist/release
rm -rf "$out"
mkdir -p "$out"
# x64 uses Bun's baseline runtime (x86-64-v2, any x64 CPU since 2008): the default one needs AVX2 and
# dies with "Illegal instruction" on older CPUs and on VMs with a conservative CPU model, and a
# supervisor must start everywhere. No start-up difference was measurable (docs/install.md).
declare -A BUN_TARGET=(
  [x64]=bun-linux-x64-baseline
  [arm64]=bun-linux-arm64
  [x64-musl]=bun-linux-x64-baseline-musl
  [arm64-musl]=bun-linux-arm64-musl
)
for name in x64 arm64 x64-musl arm64-musl; do
  # The one build definition `npm run build` uses too, for one target each.
  bash scripts/build.sh "$out/tsvisor-linux-$name" "${BUN_TARGET[$name]}"
done
# --compile embeds the source map in the executable (stack traces name src/ lines without it);
# the .map written beside each one is not needed to run and is not shipped.
rm -f "$out"/*.map
# Verify a download with: sha256sum -c SHA256SUMS --ignore-missing
(cd "$out" && sha256sum tsvisor-linux-* > SHA256SUMS)
