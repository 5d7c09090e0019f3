package plan

import (
	"fmt"

	"github.com/blueprint-dev/blueprint/internal/operatorcrds"
	"github.com/blueprint-dev/blueprint/spec"
)

// ECK is the operator engine of the logging block: ECK, Elastic Cloud on
// Kubernetes (github.com/elastic/cloud-on-k8s/v3, spec.ECKVersion),
// installed in its own namespace and managing only the logging namespace,
// and the Elasticsearch and Kibana resources it makes the search cluster
// and the dashboard from. Counts, placement, zones, volumes, heap and
// resources are the logging block's, as for the StatefulSet engine; the
// operator makes the pods (a StatefulSet per node set, a Deployment for
// Kibana), so they are not in the tree.
type ECK struct {
	Version string
	// Namespace is the operator's; it manages Managed only (its
	// namespaces setting) and holds its leader Lease there.
	Namespace string
	// Placement is the operator's: the logging block's node pool.
	Placement Placement
	// CRDs are the files of internal/operatorcrds' ECK set; render copies
	// them into manifests/eck/crds/.
	CRDs []string
	// APIServerPorts are where the operator reaches the API server.
	APIServerPorts []int
	// Cluster is the Elasticsearch and the Kibana resource's name. ECK
	// names what it makes after it: Services Cluster-es-http and
	// Cluster-kb-http, Secrets Cluster-es-elastic-user and
	// Cluster-es-http-certs-public, StatefulSet Cluster-es-NodeSet.
	Cluster string
	// NodeSet is the one node set: every node master-eligible and holding
	// data, as with the StatefulSet engine.
	NodeSet string
	// StatefulSet and Claim are what ECK makes the node set's pods with:
	// the StatefulSet's name and the data claim template's (ECK's
	// elasticsearch-data, which it mounts at the data path).
	StatefulSet, Claim string
	// ElasticsearchVersion is the version the Elasticsearch and Kibana
	// resources ask for: the tag of the elasticsearch image (ECK checks
	// it against the image it is told to run).
	ElasticsearchVersion string
	// KibanaVersion is the Kibana resource's: the kibana image's tag.
	KibanaVersion string
	// KibanaCount is how many Kibana replicas run, as the StatefulSet
	// engine's Deployment.
	KibanaCount int
	// LeaseName is the Lease the operator elects its leader with.
	LeaseName string
	// RolesSecret holds roles.yml (the StatefulSet engine's roles, no
	// credentials), which the Elasticsearch's spec.auth.roles names: ECK
	// reads roles only from Secrets.
	RolesSecret string
	// Operator's requests and limits, as its release's chart sets them.
	OperatorCPU, OperatorMemory, OperatorCPULimit, OperatorMemoryLimit string
}

// Names of the ECK engine.
const (
	ECKNamespace    = "elastic-system"
	ECKOperatorName = "elastic-operator"
	ECKCluster      = "logs"
	ECKNodeSet      = "nodes"
	// ECKDataClaim is the claim template ECK mounts as the data path
	// (volume.ElasticsearchDataVolumeName).
	ECKDataClaim = "elasticsearch-data"
	// ECKLeaseName is the Lease the operator's replicas elect their leader
	// with (the chart's RBAC names it).
	ECKLeaseName = "elastic-operator-leader"
)

func buildECK(p *Plan, s *spec.Spec, l *Logging) *ECK {
	e := &ECK{
		Version: spec.ECKVersion, Namespace: ECKNamespace, CRDs: operatorcrds.ECK.Names(), Placement: l.Placement,
		APIServerPorts: sortedPorts(map[int]bool{APIServerPort: true, p.Endpoint.Port: p.Endpoint.Port > 0}),
		Cluster:        ECKCluster, NodeSet: ECKNodeSet, Claim: ECKDataClaim,
		StatefulSet:          ECKCluster + "-es-" + ECKNodeSet,
		ElasticsearchVersion: imageTag(s.Images.ResolveImage("elasticsearch")),
		KibanaVersion:        imageTag(s.Images.ResolveImage("kibana")),
		KibanaCount:          2, LeaseName: ECKLeaseName, RolesSecret: ECKCluster + "-roles",
		OperatorCPU: "100m", OperatorMemory: "150Mi", OperatorCPULimit: "1", OperatorMemoryLimit: "1Gi",
	}
	// The clients reach the cluster through ECK's HTTP Service, trust the
	// CA of its self-signed HTTP certificate and, for the retention job,
	// log in as the elastic user whose password ECK generates.
	l.SearchHost = fmt.Sprintf("%s-es-http.%s.svc", e.Cluster, l.Namespace)
	l.CASecret = e.Cluster + "-es-http-certs-public"
	l.AdminSecret, l.AdminKey = e.Cluster+"-es-elastic-user", "elastic"
	for i := range l.SearchPods {
		l.SearchPods[i] = fmt.Sprintf("%s-%d", e.StatefulSet, i)
	}
	l.SeedHosts = nil
	return e
}

// eckSecrets are the Secrets the operator engine's logging stack expects
// someone to create: ECK makes the certificates, the elastic user's
// password, Kibana's service account token and its encryption keys
// itself, so only the users that fluent-bit (and the exporter) log in as
// are left, created once the cluster is up.
func eckSecrets(l *Logging) []SecretRef {
	ns := l.Namespace
	out := []SecretRef{{ns, "logging-shipper-credentials", "`username`, `password`",
		"the user fluent-bit writes as, with role log_shipper; create it once the cluster is up (manifests/logging/kustomization.yaml)"}}
	if l.Exporter != "" {
		out = append(out, SecretRef{ns, "logging-exporter-credentials", "`username`, `password`",
			"the user the metrics exporter reads cluster health and node statistics as, with role metrics_exporter (search/roles.yml); create it once the cluster is up (manifests/logging/kustomization.yaml)"})
	}
	return out
}
