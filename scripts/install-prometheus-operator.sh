#!/usr/bin/env bash
# Installs prometheus-operator at the version the monitoring block's
# operator engine pins (spec.PrometheusOperatorVersion), built from the Go
# module proxy into the tools folder as prometheus-operator, for the e2e
# suite's TestPrometheusOperatorRuns, which runs it against the test
# control plane as its ServiceAccount. A binary already built at the
# pinned version is kept.
#
#   scripts/install-prometheus-operator.sh
set -euo pipefail

TOOLS_DIR=${BLUEPRINT_TOOLS:-/var/cache/blueprint-tools/bin}
mkdir -p "$TOOLS_DIR"
module=github.com/prometheus-operator/prometheus-operator
version=v0.85.0
bin="$TOOLS_DIR/prometheus-operator"
if [ -x "$bin" ] && "$bin" --version 2>&1 | grep -q "version ${version#v} "; then
  exit 0
fi
echo "building prometheus-operator ($module $version) into $TOOLS_DIR"
# Its go.mod replaces its API and client modules with folders of its
# repository, which the module as the proxy serves leaves out (they are
# modules of their own): build a copy without those replacements, so that
# they come from the proxy at the same version, as its go.mod requires.
src=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -R "$src/." "$work/"
chmod -R u+w "$work"
(cd "$work" &&
  go mod edit -dropreplace "$module/pkg/apis/monitoring" -dropreplace "$module/pkg/client" &&
  GOFLAGS=-mod=mod go build -trimpath -o "$bin" \
    -ldflags "-X github.com/prometheus/common/version.Version=${version#v}" ./cmd/operator)
