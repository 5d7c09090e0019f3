package plan

import (
	"strings"

	"github.com/blueprint-dev/blueprint/internal/operatorcrds"
	"github.com/blueprint-dev/blueprint/spec"
)

// PrometheusOperator is the operator engine of the monitoring block:
// prometheus-operator (spec.PrometheusOperatorVersion) installed in its own
// namespace, watching only the monitoring namespace, and the Prometheus and
// Alertmanager resources it makes the StatefulSets from. Replicas,
// retention, volumes and placement are the monitoring block's, the rule
// groups and the Alertmanager configuration come from the StatefulSet
// engine's own templates, and the scrape jobs are ScrapeConfigs with the
// same targets as its prometheus.yml.
type PrometheusOperator struct {
	Version string
	// Namespace is the operator's; it watches only Watch (--namespaces),
	// the monitoring namespace.
	Namespace, Watch string
	Placement        Placement // the operator's
	// CRDs are the files of internal/operatorcrds' PrometheusOperator set,
	// in install order; render copies them into
	// manifests/prometheus-operator/crds/.
	CRDs []string
	// APIServerPorts are where the operator reaches the API server.
	APIServerPorts []int
	// Name is the Prometheus' and the Alertmanager's: the operator makes
	// StatefulSets PrometheusStatefulSet and AlertmanagerStatefulSet
	// (its prefix and the name), governed by the Services
	// prometheus-operated and alertmanager-operated.
	Name                                           string
	PrometheusStatefulSet, AlertmanagerStatefulSet string
	// PrometheusClaim is the Prometheus volume claim template's name (the
	// operator's default, NAME-db): claims PrometheusClaim-POD.
	PrometheusClaim string
	// SelectorLabel is the label (key prometheus, value Name) the
	// Prometheus selects its PrometheusRules and ScrapeConfigs by.
	SelectorLabel Label
	// TokenClass is the Prometheus' scrape class that sends the pod's own
	// service account token (TokenFile, which the kubelet rotates) as a
	// bearer token: ScrapeConfigs can name a credentials file only through
	// a scrape class, and a token Secret would never expire. The
	// ScrapeConfigs of the API servers, kubelets and control-plane
	// components use it; no other scrape carries the token.
	TokenClass, TokenFile string
	// AlertmanagerConfigSecret holds alertmanager.yml (the StatefulSet
	// engine's, from the same template): the operator reads the
	// configuration only from a Secret. It holds no credentials.
	AlertmanagerConfigSecret string
	// PrometheusVersion and AlertmanagerVersion are the images' tags: the
	// operator writes flags and configuration for the version a resource
	// names, by default its own release's.
	PrometheusVersion, AlertmanagerVersion string
	// HTTPPort serves the operator's metrics and health; ReloaderPort is
	// the config reloader's in the pods the operator makes.
	HTTPPort, ReloaderPort int
	// The operator's requests and limits, as its release's Deployment
	// (example/rbac/prometheus-operator) has them.
	OperatorCPU, OperatorMemory, OperatorCPULimit, OperatorMemoryLimit string
}

// Names and ports of the prometheus-operator engine.
const (
	PrometheusOperatorNamespace = "prometheus-operator"
	PrometheusOperatorName      = "prometheus-operator"
	// PrometheusOperatorInstance names the Prometheus and the Alertmanager.
	PrometheusOperatorInstance   = "main"
	PrometheusOperatorHTTPPort   = 8080
	PrometheusConfigReloaderPort = 8080
	PrometheusOperatorTokenClass = "service-account-token"
	// ServiceAccountTokenFile is where the kubelet mounts a pod's projected
	// service account token.
	ServiceAccountTokenFile        = "/var/run/secrets/kubernetes.io/serviceaccount/token"
	PrometheusOperatorAlertmanager = "alertmanager-config"
)

func buildPrometheusOperator(p *Plan, m *Monitoring, placement Placement) *PrometheusOperator {
	n := PrometheusOperatorInstance
	return &PrometheusOperator{
		Version: spec.PrometheusOperatorVersion, Namespace: PrometheusOperatorNamespace, Watch: m.Namespace,
		Placement: placement, CRDs: operatorcrds.PrometheusOperator.Names(),
		APIServerPorts: sortedPorts(map[int]bool{APIServerPort: true, p.Endpoint.Port: p.Endpoint.Port > 0}),
		Name:           n, PrometheusStatefulSet: "prometheus-" + n, AlertmanagerStatefulSet: "alertmanager-" + n,
		PrometheusClaim: "prometheus-" + n + "-db", SelectorLabel: Label{"prometheus", n},
		TokenClass: PrometheusOperatorTokenClass, TokenFile: ServiceAccountTokenFile, AlertmanagerConfigSecret: PrometheusOperatorAlertmanager,
		HTTPPort: PrometheusOperatorHTTPPort, ReloaderPort: PrometheusConfigReloaderPort,
		PrometheusVersion: imageTag(p.imageRefs["prometheus"]), AlertmanagerVersion: imageTag(p.imageRefs["alertmanager"]),
		OperatorCPU: "100m", OperatorMemory: "100Mi", OperatorCPULimit: "200m", OperatorMemoryLimit: "200Mi",
	}
}

// ruleFiles are the rule files of the monitoring stack (NAME.rules.yml of
// templates/manifests/monitoring/prometheus), in the order the
// StatefulSet engine lists them; the operator engine makes a
// PrometheusRule of each.
func ruleFiles(p *Plan, s *Services) []string {
	files := []string{"general", "etcd"}
	if p.Etcd.Backup != nil {
		files = append(files, "etcd-backup")
	}
	files = append(files, "apiserver", "control-plane", "nodes", "workloads", "monitoring")
	if p.Workloads.Kafka != nil {
		files = append(files, "kafka")
	}
	if s.Logging != nil {
		files = append(files, "search")
	}
	if p.Workloads.HDFS != nil {
		files = append(files, "hdfs")
	}
	if s.ImageScanning != nil {
		files = append(files, "image-scanning")
	}
	return files
}

// imageTag returns the tag of an image reference (REPO:TAG or
// REPO:TAG@DIGEST), or "" without one.
func imageTag(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return ""
	}
	return ref[i+1:]
}

// ScrapeJob names one ScrapeConfig: its job, namespace and selector label,
// and, for jobs that keep one Service's port, that endpoint
// (SERVICE;PORT-NAME).
type ScrapeJob struct {
	Job, Namespace, Endpoint string
	Selector                 Label
}

// Job returns the ScrapeConfig of job name; templates call it.
func (o *PrometheusOperator) Job(name, endpoint string) ScrapeJob {
	return ScrapeJob{Job: name, Namespace: o.Watch, Endpoint: endpoint, Selector: o.SelectorLabel}
}
