#!/usr/bin/env bash
# Installs the validators of the monitoring manifests, as
# ../shared/VALIDATORS.md describes: promtool (Prometheus 3.16), amtool and
# alertmanager (Alertmanager 0.35), built from the Go module proxy into the same cache
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

# The Alertmanager server too: monitoring_test.go starts it with the
# rendered configuration and a basic-auth web configuration and runs the
# rendered readiness probes against it. The module as the proxy serves it
# lacks the web UI's compiled assets (ui/app/dist, built with npm in the
# project's release process) that ui/web.go embeds, so it does not build
# as it is: build a copy of it with an empty placeholder there. The API,
# the probes' endpoints and the web configuration do not use the UI.
bin="$TOOLS_DIR/alertmanager"
if ! { [ -x "$bin" ] && "$bin" --version 2>&1 | grep -q "version 0.35.0 "; }; then
  echo "building alertmanager (github.com/prometheus/alertmanager v0.35.0, without its web UI) into $TOOLS_DIR"
  src=$(go mod download -json github.com/prometheus/alertmanager@v0.35.0 | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  work=$(mktemp -d)
  trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
  cp -R "$src/." "$work/"
  chmod -R u+w "$work"
  mkdir -p "$work/ui/app/dist/elm" "$work/ui/app/dist/mantine"
  echo "web UI left out of this build" > "$work/ui/app/dist/elm/index.html"
  echo "web UI left out of this build" > "$work/ui/app/dist/mantine/index.html"
  (cd "$work" && GOFLAGS=-mod=mod go build -trimpath -o "$bin" \
    -ldflags "-X github.com/prometheus/common/version.Version=0.35.0" ./cmd/alertmanager)
fi
