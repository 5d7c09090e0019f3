package pipeline_test

import (
	"regexp"
	"strings"
	"testing"
)

// TestLoadBalancerProbesReadyz checks where the load balancer asks an API
// server whether it is healthy: /readyz, which answers 503 while the server
// shuts down or has lost etcd, not the deprecated /healthz, which still says
// ok then. HAProxy's check, keepalived's check script and the health check
// ARCHITECTURE.md asks of an external balancer all use it; haproxy -c
// (TestHAProxyAcceptsConfig) still accepts the configuration.
func TestLoadBalancerProbesReadyz(t *testing.T) {
	httpCheck := regexp.MustCompile(`(?m)^\s*http-check send meth GET uri (\S+)$`)
	checkURL := regexp.MustCompile(`"https://[^"]+:\d+(/[^"]*)"`)
	external := 0
	for _, ex := range examples(t) {
		if !ex.plan.LB.Managed {
			external++
			doc := string(ex.tree["ARCHITECTURE.md"])
			if !strings.Contains(doc, "HTTPS health check of `/readyz`") || healthCheckNames(doc, "/healthz") {
				t.Errorf("%s: ARCHITECTURE.md must ask the external load balancer to check /readyz, never /healthz", ex.name)
			}
			continue
		}
		cfg := string(ex.tree["loadbalancer/haproxy.cfg"])
		m := httpCheck.FindAllStringSubmatch(cfg, -1)
		if len(m) != 1 || m[0][1] != "/readyz" {
			t.Errorf("%s: haproxy.cfg checks %v, want one http-check of /readyz", ex.name, m)
		}
		script := string(ex.tree["loadbalancer/check_apiserver.sh"])
		u := checkURL.FindAllStringSubmatch(script, -1)
		if len(u) != 1 || u[0][1] != "/readyz" {
			t.Errorf("%s: check_apiserver.sh asks %v, want /readyz through the local HAProxy", ex.name, u)
		}
		for _, f := range []string{"loadbalancer/haproxy.cfg", "loadbalancer/check_apiserver.sh"} {
			if strings.Contains(string(ex.tree[f]), "/healthz") {
				t.Errorf("%s: %s still names the deprecated /healthz", ex.name, f)
			}
		}
		if healthCheckNames(string(ex.tree["ARCHITECTURE.md"]), "/healthz") {
			t.Errorf("%s: ARCHITECTURE.md describes a health check of the deprecated /healthz", ex.name)
		}
	}
	if external == 0 {
		t.Error("no example uses an external load balancer, so the ARCHITECTURE.md check ran nowhere")
	}
}

// healthCheckNames reports whether a line of doc that speaks of a health
// check or a probe names path. Other mentions of the path, such as the
// authentication section's list of what anonymous clients may still read,
// are not health checks.
func healthCheckNames(doc, path string) bool {
	for _, line := range strings.Split(doc, "\n") {
		l := strings.ToLower(line)
		if strings.Contains(line, path) && (strings.Contains(l, "health check") || strings.Contains(l, "probe") || strings.Contains(l, "check_apiserver")) {
			return true
		}
	}
	return false
}
