package validate

import (
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/blueprint-dev/blueprint/spec"
)

var (
	scanEngines = []string{spec.ScanEngineTrivyOperator}
	// ociRepository is an OCI repository as Trivy's --db-repository takes
	// it: a registry host with an optional port, a path, and an optional
	// tag (Trivy adds the database's schema version when there is none).
	ociRepository = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?$`)
)

// The bounds of the image_scanning block's numbers.
const (
	maxConcurrentScans = 20
	minRescanInterval  = time.Hour
	maxRescanInterval  = 30 * 24 * time.Hour
)

// OperatorReplicas is how many Trivy Operator pods run: one leads (scans
// and serves the findings), the other waits in another zone.
const OperatorReplicas = 2

// imageScanning checks the image_scanning block: a known engine, a
// namespace of its own, repositories the scan jobs can pull the databases
// from, and bounds that keep the scan jobs from swamping the cluster.
func (v *validator) imageScanning() {
	is := v.s.ImageScanning
	if is == nil {
		return
	}
	ctx := &is.DeclRange
	v.oneOf(is.Engine, scanEngines, is.EngineRange, ctx, "scanning engine")
	v.serviceNamespace(is.Namespace, is.NamespaceRange, ctx)
	if is.Namespace != nil {
		for _, other := range v.serviceNamespaces() {
			if other.ns == *is.Namespace {
				v.errorf(is.NamespaceRange, ctx, "Shared namespace",
					"Image scanning shares namespace %q with %s. The operator creates scan Jobs and Secrets in its namespace and reads its ConfigMaps there; give it a namespace of its own, such as %q.",
					*is.Namespace, other.what, spec.DefaultScanningNamespace)
				break
			}
		}
	}
	v.poolRef(is.NodePool, is.NodePoolRange, ctx)
	v.serviceFit(fit{what: "Trivy Operator replicas", replicas: OperatorReplicas, replicasRange: is.DeclRange,
		spread: true, pool: is.NodePool, poolRange: is.NodePoolRange, ctx: ctx})
	for _, r := range []struct {
		value *string
		rng   hcl.Range
		what  string
	}{
		{is.DBRepository, is.DBRepositoryRange, "db_repository"},
		{is.JavaDBRepository, is.JavaDBRepositoryRange, "java_db_repository"},
	} {
		if r.value != nil && (!ociRepository.MatchString(*r.value) || strings.HasSuffix(*r.value, ":latest")) {
			v.errorf(r.rng, ctx, "Invalid database repository",
				"%s %q should be an OCI repository without a scheme: a registry host, an optional port and a path, such as \"mirror.example.com:5000/aquasec/trivy-db\", optionally with a tag other than latest. Copy the database there with oras copy.",
				r.what, *r.value)
		}
	}
	if is.PullSecret != nil {
		v.objectName(*is.PullSecret, is.PullSecretRange, ctx, "secret")
	}
	if n := is.ConcurrentScansOrDefault(); n < 1 || n > maxConcurrentScans {
		v.errorf(is.ConcurrentScansRange, ctx, "Invalid concurrent_scans",
			"concurrent_scans must be 1 to %d: each scan job downloads the vulnerability database and pulls the image it scans; got %d.", maxConcurrentScans, n)
	}
	if is.RescanInterval != nil {
		d, err := time.ParseDuration(*is.RescanInterval)
		if err != nil || d < minRescanInterval || d > maxRescanInterval {
			v.errorf(is.RescanIntervalRange, ctx, "Invalid rescan_interval",
				"rescan_interval %q should be a duration from 1h to 720h, such as \"24h\": each report is deleted after it and its workload scanned again with the newest database.", *is.RescanInterval)
		}
	}
	if im := v.s.Images; im != nil && im.Overrides["trivy"] != "" && !taggedRef.MatchString(im.Overrides["trivy"]) {
		ref := im.Overrides["trivy"]
		v.errorf(im.OverridesRange, &im.DeclRange, "Trivy image without a tag",
			"The Trivy Operator names its scan jobs' image as repository and tag, so the override of trivy, %q, needs a version tag (a digest may follow it: \"…/trivy:0.72.0@sha256:…\").", ref)
	}
	if v.s.Monitoring == nil {
		v.warnf(CodeScanningNoAlerts, is.DeclRange, nil, "Findings raise no alert",
			"Without a monitoring block nothing scrapes the Trivy Operator: its findings are only in the VulnerabilityReports (kubectl get vulnerabilityreports -A), and no alert fires on a critical vulnerability. Add monitoring to be alerted.")
	}
}

// taggedRef is an image reference whose last path component carries a tag,
// with or without a digest after it.
var taggedRef = regexp.MustCompile(`^[^@]*/[^/@:]+:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}(@sha256:[a-f0-9]{64})?$`)

// serviceNamespaces are the namespaces the services and workloads run in,
// with what runs there.
func (v *validator) serviceNamespaces() []struct{ ns, what string } {
	var out []struct{ ns, what string }
	add := func(ns, what string) { out = append(out, struct{ ns, what string }{ns, what}) }
	if m := v.s.Monitoring; m != nil {
		add(m.NamespaceOrDefault(), "monitoring")
	}
	if l := v.s.Logging; l != nil {
		add(l.NamespaceOrDefault(), "logging")
	}
	if v.s.Etcd.BackupOrDefault().EnabledOrDefault() {
		add(spec.BackupNamespace, "the etcd backups")
	}
	for _, k := range v.s.Kafka {
		add(k.NamespaceOrDefault(), "kafka "+k.Name)
	}
	for _, h := range v.s.HDFS {
		add(h.NamespaceOrDefault(), "hdfs "+h.Name)
	}
	for _, sp := range v.s.Spark {
		add(sp.NamespaceOrDefault(), "spark "+sp.Name)
	}
	return out
}
