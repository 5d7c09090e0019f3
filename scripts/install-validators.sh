#!/usr/bin/env bash
# Installs the real programs that judge blueprint's output, as
# ../shared/VALIDATORS.md describes: haproxy, keepalived, etcd and busybox from Debian,
# and Kubernetes v1.37.2 binaries built from the Go module proxy into a cache
# folder outside the repository, so later runs take seconds.
#
#   scripts/install-validators.sh [kubeadm kube-apiserver ...]   (default: kubeadm)
#
# .ci/run asks for kubeadm, kube-apiserver, kube-controller-manager and
# kube-scheduler: the e2e suite runs the last three against etcd.
set -euo pipefail

K8S_VERSION=v1.37.2
TOOLS_DIR=${BLUEPRINT_TOOLS:-/var/cache/blueprint-tools/bin}
root=$(cd "$(dirname "$0")/.." && pwd)

commands=("$@")
[ ${#commands[@]} -gt 0 ] || commands=(kubeadm)

# Debian packages, by the program each provides.
missing=()
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
command -v keepalived >/dev/null || [ -x /usr/sbin/keepalived ] || missing+=(keepalived)
# systemd-analyze checks the external etcd hosts' kubelet drop-in.
command -v systemd-analyze >/dev/null || missing+=(systemd)
# BusyBox's sh and awk, as in Alpine-based images (Kafka's): the tests run
# the rendered probe scripts under them.
command -v busybox >/dev/null || missing+=(busybox)
if [[ " ${commands[*]} " == *" kube-apiserver "* ]]; then
  # etcd 3.4 from Debian 12 serves kube-apiserver 1.37 (one harmless warning).
  command -v etcd >/dev/null || [ -x /usr/bin/etcd ] || missing+=(etcd-server)
fi
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
build=()
for cmd in "${commands[@]}"; do
  bin="$TOOLS_DIR/$cmd"
  if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "$K8S_VERSION"; then
    continue
  fi
  if [ "$cmd" = kubeadm ] && [ -x "$bin" ] && "$bin" version -o short 2>/dev/null | grep -qx "$K8S_VERSION"; then
    continue
  fi
  build+=("k8s.io/kubernetes/cmd/$cmd")
done
if [ ${#build[@]} -gt 0 ]; then
  # One go build for all of them: the packages they share compile once.
  echo "building ${build[*]##*/} $K8S_VERSION into $TOOLS_DIR (3 to 6 minutes each the first time)"
  (cd "$root/tools/k8s" && go build -trimpath -ldflags "$ldflags" -o "$TOOLS_DIR/" "${build[@]}")
fi
