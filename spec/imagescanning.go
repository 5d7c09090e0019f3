package spec

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// ImageScanning scans the images the cluster runs, in the cluster, with the
// Trivy Operator: it watches every workload, runs a scan Job per workload
// in its own namespace, and writes VulnerabilityReports that Prometheus
// reads through the operator's metrics.
type ImageScanning struct {
	Engine         string    `hcl:"engine,attr"`
	EngineRange    hcl.Range `hcl:"engine,attr_value_range"`
	Namespace      *string   `hcl:"namespace,optional"`
	NamespaceRange hcl.Range `hcl:"namespace,attr_value_range"`
	NodePool       *string   `hcl:"node_pool,optional"`
	NodePoolRange  hcl.Range `hcl:"node_pool,attr_value_range"`
	// DBRepository and JavaDBRepository are the OCI repositories the scan
	// jobs download Trivy's vulnerability databases from; an air-gapped
	// cluster points them at its mirror.
	DBRepository          *string   `hcl:"db_repository,optional"`
	DBRepositoryRange     hcl.Range `hcl:"db_repository,attr_value_range"`
	JavaDBRepository      *string   `hcl:"java_db_repository,optional"`
	JavaDBRepositoryRange hcl.Range `hcl:"java_db_repository,attr_value_range"`
	// PullSecret names a Secret (kubernetes.io/dockerconfigjson) in the
	// scanning namespace with credentials for the registries the scan jobs
	// pull image manifests and layers from.
	PullSecret      *string   `hcl:"pull_secret,optional"`
	PullSecretRange hcl.Range `hcl:"pull_secret,attr_value_range"`
	// ConcurrentScans bounds the scan jobs running at once.
	ConcurrentScans      *int      `hcl:"concurrent_scans,optional"`
	ConcurrentScansRange hcl.Range `hcl:"concurrent_scans,attr_value_range"`
	// RescanInterval is how long a report lives: the operator deletes it
	// then, and scans the workload again with the day's database.
	RescanInterval      *string   `hcl:"rescan_interval,optional"`
	RescanIntervalRange hcl.Range `hcl:"rescan_interval,attr_value_range"`
	DeclRange           hcl.Range `hcl:",def_range"`
}

// The image scanning engines blueprint renders.
const (
	ScanEngineTrivyOperator = "trivy-operator"
)

// Defaults of the image_scanning block.
const (
	DefaultScanningNamespace = "trivy-system"
	// DefaultTrivyDBRepository and DefaultTrivyJavaDBRepository are the
	// Trivy Operator's defaults at v0.32.0 (pkg/plugins/trivy/plugin.go).
	DefaultTrivyDBRepository     = "mirror.gcr.io/aquasec/trivy-db"
	DefaultTrivyJavaDBRepository = "mirror.gcr.io/aquasec/trivy-java-db"
	DefaultConcurrentScans       = 3
	DefaultRescanInterval        = "24h"
)

// NamespaceOrDefault returns the namespace of the operator and its scan jobs.
func (i *ImageScanning) NamespaceOrDefault() string {
	return or(i.Namespace, DefaultScanningNamespace)
}

// DBRepositoryOrDefault returns where the vulnerability database comes
// from: the attribute, else the images mirror's copy of the default
// repository (the mirror replaces the registry, as it does for images),
// else the default.
func (i *ImageScanning) DBRepositoryOrDefault(im *Images) string {
	return or(i.DBRepository, mirrored(DefaultTrivyDBRepository, im))
}

// JavaDBRepositoryOrDefault returns where the Java index database (jar
// files' coordinates) comes from, as DBRepositoryOrDefault.
func (i *ImageScanning) JavaDBRepositoryOrDefault(im *Images) string {
	return or(i.JavaDBRepository, mirrored(DefaultTrivyJavaDBRepository, im))
}

// ConcurrentScansOrDefault returns how many scan jobs may run at once.
func (i *ImageScanning) ConcurrentScansOrDefault() int {
	return or(i.ConcurrentScans, DefaultConcurrentScans)
}

// RescanIntervalOrDefault returns how long a vulnerability report lives.
func (i *ImageScanning) RescanIntervalOrDefault() string {
	return or(i.RescanInterval, DefaultRescanInterval)
}

// mirrored rewrites a repository to the images block's mirror, keeping its
// path, as ResolveImage does for images.
func mirrored(repo string, im *Images) string {
	if im == nil || im.Registry == nil || *im.Registry == "" {
		return repo
	}
	return strings.TrimSuffix(*im.Registry, "/") + "/" + StripRegistry(repo)
}
