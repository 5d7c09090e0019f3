#!/usr/bin/env bash
# Installs the real programs that judge blueprint's output, as
# ../shared/VALIDATORS.md describes: haproxy and keepalived from Debian, and
# Kubernetes v1.37.2 binaries built from the Go module proxy into a cache
# folder outside the repository, so later runs take seconds.
#
#   scripts/install-validators.sh [kubeadm kube-apiserver ...]   (default: kubeadm)
set -euo pipefail

K8S_VERSION=v1.37.2
TOOLS_DIR=${BLUEPRINT_TOOLS:-/var/cache/blueprint-tools/bin}
root=$(cd "$(dirname "$0")/.." && pwd)

missing=()
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
command -v keepalived >/dev/null || [ -x /usr/sbin/keepalived ] || missing+=(keepalived)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$TOOLS_DIR"
ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=37"
done
commands=("$@")
[ ${#commands[@]} -gt 0 ] || commands=(kubeadm)
for cmd in "${commands[@]}"; do
  bin="$TOOLS_DIR/$cmd"
  if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "$K8S_VERSION"; then
    continue
  fi
  if [ "$cmd" = kubeadm ] && [ -x "$bin" ] && "$bin" version -o short 2>/dev/null | grep -qx "$K8S_VERSION"; then
    continue
  fi
  echo "building $cmd $K8S_VERSION into $TOOLS_DIR (a few minutes the first time)"
  (cd "$root/tools/k8s" && go build -trimpath -ldflags "$ldflags" -o "$bin" "k8s.io/kubernetes/cmd/$cmd")
done
