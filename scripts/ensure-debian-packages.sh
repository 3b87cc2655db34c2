#!/usr/bin/env bash
# Install the Debian packages a test or benchmark needs, only when missing:
#   scripts/ensure-debian-packages.sh supervisor tini socat
# Tests and benchmarks call this themselves, so a fresh machine (CI) needs no manual step.
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ]; then
  echo "ensure-debian-packages: need root to install: ${missing[*]}" >&2
  exit 1
fi
# apt's lists may be empty on a fresh machine.
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
