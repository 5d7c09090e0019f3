#!/usr/bin/env bash
# Installs from Debian what blueprint rehearse runs on the real machine and
# on every simulated host, besides the validators (scripts/install-validators.sh:
# haproxy, keepalived, busybox, kubeadm and the Kubernetes servers) and etcd
# (scripts/install-etcd.sh): ip (iproute2), nsenter, unshare, setpriv and
# mount (util-linux, mount), curl (keepalived's check script), openssl (the
# CA hash the install order mints), envsubst (gettext-base) and tar (copies
# between hosts).
#
#   scripts/install-rehearse.sh
set -euo pipefail

missing=()
for pair in ip:iproute2 nsenter:util-linux unshare:util-linux setpriv:util-linux mount:mount \
            curl:curl openssl:openssl envsubst:gettext-base tar:tar; do
  cmd=${pair%%:*} pkg=${pair#*:}
  command -v "$cmd" >/dev/null || [ -x "/usr/sbin/$cmd" ] || [ -x "/sbin/$cmd" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "installing ${missing[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
