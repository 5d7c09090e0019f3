package render

// eckReplaces are the files of manifests/logging/ that the ECK engine's
// (templates/manifests/logging-eck/) stand in for: ECK makes the search
// cluster's StatefulSet, Services, PodDisruptionBudget and configuration,
// and Kibana's Deployment and configuration, from the Elasticsearch and
// Kibana resources. The shipper, the retention job, the exporter, the
// roles, the service accounts (ECK's pods run as them), the policies and
// the dashboard's Service and exposure stay.
var eckReplaces = []string{
	"kustomization.yaml",
	"search/kustomization.yaml", "search/statefulset.yaml", "search/services.yaml",
	"search/poddisruptionbudget.yaml", "search/elasticsearch.yml",
	"dashboards/kustomization.yaml", "dashboards/deployment.yaml", "dashboards/kibana.yml",
	"dashboards/hpa.yaml",
}
