#!/usr/bin/env bash
# Installs the validators of the monitoring manifests, as
# ../shared/VALIDATORS.md describes: promtool (Prometheus 3.16) and amtool
# (Alertmanager 0.35), built from the Go module proxy into the same cache
# folder as the Kubernetes binaries. Debian's promtool is too old and lacks
# Kubernetes service discovery. promtool takes about 8 minutes and 3 GB of
# memory the first time; a binary already built at the pinned version is
# kept, so later runs take a second.
#
#   scripts/install-promtool.sh
set -euo pipefail

TOOLS_DIR=${BLUEPRINT_TOOLS:-/var/cache/blueprint-tools/bin}
mkdir -p "$TOOLS_DIR"

# install BINARY MODULE VERSION PACKAGE
install() {
  local bin="$TOOLS_DIR/$1" module=$2 version=$3 pkg=$4
  if [ -x "$bin" ] && go version -m "$bin" 2>/dev/null | grep -Eq "^[[:space:]]+mod[[:space:]]+$module[[:space:]]+$version([[:space:]]|$)"; then
    return
  fi
  echo "building $1 ($module $version) into $TOOLS_DIR"
  GOBIN=$TOOLS_DIR go install "$pkg@$version"
}

install promtool github.com/prometheus/prometheus v0.316.0 github.com/prometheus/prometheus/cmd/promtool
install amtool github.com/prometheus/alertmanager v0.35.0 github.com/prometheus/alertmanager/cmd/amtool
