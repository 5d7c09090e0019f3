package validate

import (
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/spec"
)

// monitoringEngine checks the monitoring block's engine: a known value,
// and, with prometheus-operator, nothing the operator cannot honour. Its
// Prometheus and Alertmanager serve their web ports without a password
// (the operator's web configuration has no basic-auth users, and its
// probes could not log in), so a web_auth_secret would protect nothing and
// exposing either outside the cluster would publish it unauthenticated.
func (v *validator) monitoringEngine(m *spec.Monitoring, ctx *hcl.Range) {
	if m.Engine != nil && !slices.Contains(spec.Engines, *m.Engine) {
		v.errorf(m.EngineRange, ctx, "Unknown engine", "engine %q is not one of %s.%s", *m.Engine, quoteList(spec.Engines), didYouMean(*m.Engine, spec.Engines))
	}
	if m.EngineOrDefault() != spec.EngineOperator {
		return
	}
	if m.WebAuthSecret != nil {
		v.errorf(m.WebAuthSecretRange, ctx, "Web password not supported by the operator engine",
			"prometheus-operator %s cannot make Prometheus or Alertmanager ask for a password (its web configuration has no basic-auth users), so web_auth_secret %q would protect nothing. Remove it (NetworkPolicies admit only Grafana and the monitoring stack), or use engine = \"statefulset\".", spec.PrometheusOperatorVersion, *m.WebAuthSecret)
	}
	if e := v.s.Expose; e != nil {
		for _, x := range []struct {
			host *string
			r    hcl.Range
			what string
		}{{e.Prometheus, e.PrometheusRange, "prometheus"}, {e.Alertmanager, e.AlertmanagerRange, "alertmanager"}} {
			if x.host != nil {
				v.errorf(x.r, &e.DeclRange, "Unauthenticated UI exposed",
					"monitoring runs on prometheus-operator (engine = \"operator\"), whose %s asks no password: exposing it at %q would publish it to anyone who reaches the address. Remove %s from expose (reach it with kubectl port-forward), or use engine = \"statefulset\".", x.what, *x.host, x.what)
			}
		}
	}
}
