#!/usr/bin/env bash
# The container suite (`npm run test:container`): dinit as PID 1 in a real
# Docker engine. From a clean Debian machine, as root:
#   1. install Debian's docker.io if there is no engine, start dockerd if it is not running;
#   2. build (once, cached in $DINIT_CACHE) local base images: there is no registry here;
#   3. build the project's image, its portable bundle, two bundle-only test images
#      and the examples;
#   4. compile and run test/container/*.container.test.ts, then the figures.
# Needs: root, the Debian mirror (apt, debootstrap, apt inside example builds)
# and the npm registry (npm ci inside the Dockerfile). BASE overrides the
# base image (default: the local one; node:22-bookworm-slim where a registry is reachable).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "container-test: run as root (it installs and starts dockerd)" >&2; exit 2; }

export DOCKER=${DOCKER:-/usr/bin/docker}   # the engine's own CLI (another docker on PATH may lack plugins)
export DINIT_CACHE=${DINIT_CACHE:-/var/cache/dinit-ci}
BASE=${BASE:-local/node-base:20}
OUT=${DINIT_TEST_OUT:-dist}
t0=$(date +%s)
step() { echo "== $* ($(($(date +%s) - t0)) s)" >&2; }

if ! command -v dockerd >/dev/null 2>&1 || [ ! -x "$DOCKER" ]; then
  step "installing docker.io"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
if ! "$DOCKER" info >/dev/null 2>&1; then
  step "starting dockerd"
  mkdir -p "$DINIT_CACHE"
  # A dockerd that died (OOM, a killed session) leaves its pid file, and a new one refuses to start.
  for pidfile in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
    # (By name, not kill -0: the pid may have been reused, even as a thread of another process.)
    if [ -f "$pidfile" ] && ! grep -qx 'dockerd\|containerd' "/proc/$(cat "$pidfile")/comm" 2>/dev/null; then rm -f "$pidfile"; fi
  done
  # dockerd outlives this run: it must not inherit our fds above 2, or it holds the
  # caller's `flock /tmp/docker.lock` open for ever and every later run waits on it.
  (
    for fd in $(ls "/proc/$BASHPID/fd"); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null
    exec setsid dockerd >"$DINIT_CACHE/dockerd.log" 2>&1 </dev/null
  ) &
  for _ in $(seq 1 300); do "$DOCKER" info >/dev/null 2>&1 && break; sleep 0.1; done
  "$DOCKER" info >/dev/null 2>&1 || { tail -20 "$DINIT_CACHE/dockerd.log" >&2; exit 1; }
fi

step "base images"
if [ "$BASE" = local/node-base:20 ]; then bash scripts/build-base-image.sh; fi

# Leftovers of an interrupted run.
stale=$("$DOCKER" ps -aq --filter label=dinit-container-test=1)
[ -z "$stale" ] || "$DOCKER" rm -f -v $stale >/dev/null

build() { # TAG CONTEXT [ARGS...]
  local tag=$1 ctx=$2; shift 2
  if ! "$DOCKER" build -q -t "$tag" "$@" "$ctx" >"$DINIT_CACHE/build.log" 2>&1; then
    cat "$DINIT_CACHE/build.log" >&2
    echo "container-test: building $tag failed" >&2
    exit 1
  fi
}
step "building the dinit image and the bundle"
build dinit-test/image . --build-arg BASE="$BASE"
build dinit-test/bundle . --build-arg BASE="$BASE" --target bundle
step "building the bundle-only images and the examples"
build dinit-test/no-node test/container/images/no-node --build-arg BUNDLE=dinit-test/bundle
build dinit-test/no-shell test/container/images/no-shell --build-arg BUNDLE=dinit-test/bundle
step "npm pack, and an image that installs the tarball"
packctx=$(mktemp -d)
cp test/container/images/npm-pack/Dockerfile test/container/images/npm-pack/dinit.yaml "$packctx/"
tgz=$(npm pack --silent --pack-destination "$packctx" | tail -1)
mv "$packctx/$tgz" "$packctx/dinit.tgz"
build dinit-test/npm-pack "$packctx" --build-arg BASE="$BASE"
rm -rf "$packctx"
for ex in sidecars nonroot-readonly web-redis nginx-app; do
  build "dinit-test/$ex" "examples/$ex" --build-arg BASE="$BASE" --build-arg DINIT=dinit-test/bundle
done

step "compiling the tests"
npx tsc -p tsconfig.json --outDir "$OUT" || echo "container-test: tsc reported errors (npm test fails on them); running the container suite anyway" >&2

step "running the container suite"
export DINIT_CONTAINER_TEST=1
status=0
node --test --test-concurrency=2 --test-timeout=180000 $(ls "$OUT"/test/container/*.container.test.js | grep -v /figures.) || status=$?
step "figures"
DINIT_FIGURES=${DINIT_FIGURES:-$DINIT_CACHE/figures.json} node --test --test-timeout=180000 "$OUT/test/container/figures.container.test.js" || status=$?
stale=$("$DOCKER" ps -aq --filter label=dinit-container-test=1)
[ -z "$stale" ] || "$DOCKER" rm -f -v $stale >/dev/null
step "done (exit $status)"
exit $status
