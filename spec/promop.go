package spec

// PrometheusOperatorVersion is the release of prometheus-operator that the
// operator engine of the monitoring block installs (the newest whose main
// Go module the module proxy serves; its CRDs are
// internal/operatorcrds/prometheus-operator/).
const PrometheusOperatorVersion = "v0.85.0"

// EngineOrDefault returns the engine Prometheus and Alertmanager run on:
// statefulset or operator (prometheus-operator).
func (m *Monitoring) EngineOrDefault() string { return or(m.Engine, DefaultEngine) }
