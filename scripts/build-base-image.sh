#!/usr/bin/env bash
# Local base images for machines with no container registry (our CI): a
# Debian bookworm minbase rootfs built by debootstrap from the mirror apt
# already uses, imported twice:
#
#   local/debian-base:bookworm   Debian only, no Node (where the portable bundle must run)
#   local/node-base:20           the same + this machine's Node (node, npm), standing in
#                                for node:22-bookworm-slim (`--build-arg BASE=local/node-base:20`)
#
# Tarballs are cached in $DINIT_CACHE (default /var/cache/dinit-ci), so a
# second run (or a fresh dockerd) only re-imports them. Idempotent: images
# already in the engine are kept unless --force.
set -euo pipefail

CACHE=${DINIT_CACHE:-/var/cache/dinit-ci}
DOCKER=${DOCKER:-/usr/bin/docker}
SUITE=bookworm
FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

have_image() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

if [ $FORCE = 0 ] && have_image local/debian-base:bookworm && have_image local/node-base:20; then
  exit 0
fi
mkdir -p "$CACHE"
DEBIAN_TAR=$CACHE/debian-$SUITE-minbase.tar
NODE_TAR=$CACHE/node-base-$(node -p 'process.versions.node').tar

ROOTFS=$(mktemp -d /tmp/dinit-rootfs.XXXXXX)
trap 'rm -rf "$ROOTFS"' EXIT

if [ $FORCE = 1 ] || [ ! -s "$DEBIAN_TAR" ]; then
  command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  # The mirror apt uses (deb822 sources first, then the one-line format).
  MIRROR=$(grep -hoE '^URIs: *\S+/debian/?$' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 | awk '{print $2}' || true)
  [ -n "$MIRROR" ] || MIRROR=$(grep -hoE '^deb +\S+/debian/? ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -1 | awk '{print $2}' || true)
  MIRROR=${MIRROR:-http://deb.debian.org/debian}
  echo "debootstrap $SUITE from $MIRROR (once; cached in $CACHE)" >&2
  debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
    { tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
  # Smaller image, same behaviour: apt lists and caches are not needed.
  rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb
  printf 'deb %s %s main\n' "$MIRROR" "$SUITE" >"$ROOTFS/etc/apt/sources.list"
  tar -C "$ROOTFS" -cf "$DEBIAN_TAR.tmp" . && mv "$DEBIAN_TAR.tmp" "$DEBIAN_TAR"
  rm -rf "$ROOTFS" && mkdir "$ROOTFS"
fi

if [ $FORCE = 1 ] || [ ! -s "$NODE_TAR" ]; then
  tar -C "$ROOTFS" -xf "$DEBIAN_TAR"
  # This machine's Node, laid out the way the official images do (/usr/local).
  NODE_BIN=$(readlink -f "$(command -v node)")
  NPM_DIR=$(readlink -f "$(dirname "$(readlink -f "$(command -v npm)")")/..")
  install -D -m 0755 "$NODE_BIN" "$ROOTFS/usr/local/bin/node"
  mkdir -p "$ROOTFS/usr/local/lib/node_modules"
  cp -a "$NPM_DIR" "$ROOTFS/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"
  # The registry's TLS is intercepted from inside containers here: trust what the host trusts,
  # so `npm ci` in a Dockerfile works unchanged (NODE_EXTRA_CA_CERTS is set on import below).
  install -D -m 0644 /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
  tar -C "$ROOTFS" -cf "$NODE_TAR.tmp" . && mv "$NODE_TAR.tmp" "$NODE_TAR"
fi

"$DOCKER" import -c 'CMD ["/bin/bash"]' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$DEBIAN_TAR" local/debian-base:bookworm >/dev/null
"$DOCKER" import -c 'CMD ["node"]' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  "$NODE_TAR" local/node-base:20 >/dev/null
echo "images: local/debian-base:bookworm, local/node-base:20 (cache: $CACHE)" >&2
