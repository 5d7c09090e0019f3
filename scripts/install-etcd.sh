#!/usr/bin/env bash
# Builds etcd, etcdctl and etcdutl v3.7.3 from the Go module proxy into the
# validators' cache folder (tools/etcd pins the release), as
# ../shared/VALIDATORS.md describes. kubeadm 1.37 runs etcd 3.7 (image
# 3.7.0-0), whose static pod flags Debian's etcd 3.4 does not know; the etcd
# backup test runs the backup job's etcdctl and etcdutl commands and the
# restore runbook with these. About a minute the first time; a binary
# already built at the pinned version is kept.
#
#   scripts/install-etcd.sh
set -euo pipefail

ETCD_VERSION=v3.7.3
TOOLS_DIR=${BLUEPRINT_TOOLS:-/var/cache/blueprint-tools/bin}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$TOOLS_DIR"

build=()
for pair in etcd:go.etcd.io/etcd/server/v3 etcdctl:go.etcd.io/etcd/etcdctl/v3 etcdutl:go.etcd.io/etcd/etcdutl/v3; do
  bin=${pair%%:*} pkg=${pair#*:}
  if [ -x "$TOOLS_DIR/$bin" ] && go version -m "$TOOLS_DIR/$bin" 2>/dev/null | grep -Eq "[[:space:]]$pkg[[:space:]]+$ETCD_VERSION([[:space:]]|$)"; then
    continue
  fi
  build+=("$bin:$pkg")
done
if [ ${#build[@]} -gt 0 ]; then
  echo "building ${build[*]%%:*} $ETCD_VERSION into $TOOLS_DIR"
  for pair in "${build[@]}"; do
    (cd "$root/tools/etcd" && go build -trimpath -o "$TOOLS_DIR/${pair%%:*}" "${pair#*:}")
  done
fi
