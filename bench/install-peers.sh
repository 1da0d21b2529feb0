#!/usr/bin/env bash
# Installs the peers `npm run bench` compares dinit against, where this machine
# can: tini, supervisor (Python) and s6 from Debian's packages, pm2 from npm into
# a bench-private prefix (bench/out/peers, git-ignored, never the project's node_modules).
# Each install that fails is reported and skipped: the harness then says
# "not installed" for that peer. Needs root for apt-get.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
prefix="$here/out/peers"

if command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq || echo "install-peers: apt-get update failed" >&2
  for pkg in tini supervisor s6; do
    if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" >/dev/null; then
      echo "install-peers: $pkg installed"
    else
      echo "install-peers: $pkg could not be installed" >&2
    fi
  done
  # supervisor's package starts a system-wide daemon; the bench runs its own.
  if command -v service >/dev/null 2>&1; then service supervisor stop >/dev/null 2>&1 || true; fi
else
  echo "install-peers: no apt-get here; tini, supervisor and s6 skipped" >&2
fi

if npm install --silent --no-audit --no-fund --prefix "$prefix" pm2@5 >/dev/null; then
  echo "install-peers: pm2 installed in $prefix"
else
  echo "install-peers: pm2 could not be installed" >&2
fi
