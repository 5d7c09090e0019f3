// Package operatorcrds holds the CustomResourceDefinitions of the operators
// that blueprint renders and installs with the tree (unlike
// internal/platformcrds, whose CRDs the platform brings). An operator that
// publishes no Go module the module proxy serves cannot be read at build
// time, so its CRDs are copied once from the pinned release's source,
// unchanged but for a first comment line naming where they come from, and
// committed here as data. TestOperatorCRDs checks that line and that each
// file is byte for byte the upstream blob it names.
package operatorcrds

import (
	"embed"
	"path"
)

//go:embed trivy-operator strimzi prometheus-operator eck spark-operator
var files embed.FS

// Set is the CRDs of one operator release, as its repository holds them.
type Set struct {
	Name       string // for people
	Repository string // where the release lives, such as github.com/aquasecurity/trivy-operator
	Tag        string // the release
	Commit     string // the tag's commit
	Folder     string // the folder of the repository the files are in
	Dir        string // the embedded copy
	// Groups and Version are what every CRD of the set defines: API
	// groups, and the one version served and stored.
	Groups  []string
	Version string
	// Versions are the files whose one version differs from Version.
	Versions map[string]string
	// License is the files' licence, when not Apache-2.0.
	License string
	// Files are the copied files, each with the git blob id it has at the
	// tag (git rev-parse TAG:FOLDER/FILE), which identifies its bytes.
	Files []File
}

// File is one copied CRD file.
type File struct {
	Name string
	Blob string
}

// VersionOf returns the version a file's CRD serves and stores: the set's,
// unless Versions names another for it.
func (s Set) VersionOf(f File) string {
	if v := s.Versions[f.Name]; v != "" {
		return v
	}
	return s.Version
}

// TrivyOperator is the Trivy Operator's CRDs that blueprint's rendering
// needs: VulnerabilityReports, which it writes, and the ExposedSecretReports
// and SbomReports its workload controller watches (Owns) whatever scanners
// are on, so that it does not start without them. The kinds of the
// scanners blueprint turns off (config audit, RBAC and infrastructure
// assessment, compliance, cluster-wide SBOMs and vulnerability reports) are
// not copied.
var TrivyOperator = Set{
	Name: "Trivy Operator", Repository: "github.com/aquasecurity/trivy-operator", Tag: "v0.32.0",
	Commit: "1006872c1463e81a40d48298145625aefef2a02f", Folder: "deploy/helm/crds", Dir: "trivy-operator",
	Groups: []string{"aquasecurity.github.io"}, Version: "v1alpha1",
	Files: []File{
		{"aquasecurity.github.io_vulnerabilityreports.yaml", "6764ca437a3f720e86be4e53c84234fc05484cbe"},
		{"aquasecurity.github.io_exposedsecretreports.yaml", "be5c9bcf9929cf35bab4b20a6b38ef0d9f74544c"},
		{"aquasecurity.github.io_sbomreports.yaml", "34cbb3539174a6e08e1d6dabd6956cd8548b7e4c"},
	},
}

// Strimzi is the Strimzi operator's CRDs that its cluster operator needs
// to start: it watches Kafkas, KafkaNodePools and StrimziPodSets (which it
// makes the Kafka pods from), and KafkaConnects, KafkaConnectors,
// KafkaMirrorMaker2s, KafkaBridges and KafkaRebalances whether or not
// any exist (cluster-operator's ClusterOperator.java starts a watch for
// each). KafkaTopics and KafkaUsers belong to the entity operator, which
// blueprint does not deploy, so they are not copied. The release's
// install/cluster-operator folder holds the files with the release's
// image tags filled in.
var Strimzi = Set{
	Name: "Strimzi", Repository: "github.com/strimzi/strimzi-kafka-operator", Tag: "1.2.0",
	Commit: "6c7b43c4af0db547c10463ba09d1dfa6f5e156a0", Folder: "install/cluster-operator", Dir: "strimzi",
	Groups: []string{"kafka.strimzi.io", "core.strimzi.io"}, Version: "v1",
	Files: []File{
		{"040-Crd-kafka.yaml", "9598f1c26dff3ec2dc97781e52f3695366031525"},
		{"041-Crd-kafkaconnect.yaml", "440bc6f387daa1b87642435c538d0629fdc89e04"},
		{"042-Crd-strimzipodset.yaml", "46ea95a25f578ded9b2c56c9643d8b52d4101251"},
		{"045-Crd-kafkanodepool.yaml", "5c8670088513ef9ff38fbb0c67002654abaacf7c"},
		{"046-Crd-kafkabridge.yaml", "4f0ab0378f270b2543af55cd9e531fb412c19d8e"},
		{"047-Crd-kafkaconnector.yaml", "763e57c19004de0a4215dd344d8616268819d663"},
		{"048-Crd-kafkamirrormaker2.yaml", "f2536cbc0adebc4394d78e2f75a93ba7f7024e85"},
		{"049-Crd-kafkarebalance.yaml", "650180e9d31aa8352842026a64eae6fea295562f"},
	},
}

// PrometheusOperator is prometheus-operator's CRDs that its Prometheus and
// Alertmanager controllers watch (cmd/operator/main.go starts them when
// the Prometheus, Alertmanager and ScrapeConfig CRDs are installed; the
// Prometheus controller then watches ServiceMonitors, PodMonitors, Probes,
// ScrapeConfigs and PrometheusRules, the Alertmanager controller
// AlertmanagerConfigs). PrometheusAgent and ThanosRuler are left out: the
// operator starts those controllers only when their CRDs exist. The files
// are the same in the Go module of that version.
var PrometheusOperator = Set{
	Name: "prometheus-operator", Repository: "github.com/prometheus-operator/prometheus-operator", Tag: "v0.85.0",
	Commit: "2ed4172b180213b6082025237bb0c155b74b6080", Folder: "example/prometheus-operator-crd", Dir: "prometheus-operator",
	Groups: []string{"monitoring.coreos.com"}, Version: "v1",
	Versions: map[string]string{
		"monitoring.coreos.com_alertmanagerconfigs.yaml": "v1alpha1",
		"monitoring.coreos.com_scrapeconfigs.yaml":       "v1alpha1",
	},
	Files: []File{
		{"monitoring.coreos.com_prometheuses.yaml", "a28545411af967758eb949106e6dbbe51b6e4ebe"},
		{"monitoring.coreos.com_alertmanagers.yaml", "8b28f80891628a8426044522a76c5983825261bf"},
		{"monitoring.coreos.com_alertmanagerconfigs.yaml", "ef7eb135e15bbdcee5b8063f81bf2a82e0fbf005"},
		{"monitoring.coreos.com_prometheusrules.yaml", "7b2c00a3526ee4e40cbac8d2f77b862d95f2356f"},
		{"monitoring.coreos.com_servicemonitors.yaml", "5a9ae918080caefb82efc38d5eeb687b8549609c"},
		{"monitoring.coreos.com_podmonitors.yaml", "17aa85a2b0c5b1e31f0bb0c3d2d54d64118bb0fe"},
		{"monitoring.coreos.com_probes.yaml", "ebc4d10d76e0bce735088f32216c8ba4e3237175"},
		{"monitoring.coreos.com_scrapeconfigs.yaml", "ffb0bb815757b095192c1f2dca48b36e955644db"},
	},
}

// ECK is the CRDs of ECK (Elastic Cloud on Kubernetes), as its release
// installs them: config/crds/v1/all-crds.yaml, the one file of every kind
// it manages (Elasticsearch and Kibana, which blueprint writes, and the
// ten others: its manager starts a controller for each kind whether or
// not any exist, so it does not start without their CRDs). The kinds do
// not share one version: each CRD stores one (Version is empty).
var ECK = Set{
	Name: "ECK", Repository: "github.com/elastic/cloud-on-k8s", Tag: "v3.5.0",
	Commit: "386c7b14f2d1bbb7f2af1e7da997e64875f16e47", Folder: "config/crds/v1", Dir: "eck",
	Groups: []string{"agent.k8s.elastic.co", "apm.k8s.elastic.co", "autoops.k8s.elastic.co", "beat.k8s.elastic.co",
		"maps.k8s.elastic.co", "autoscaling.k8s.elastic.co", "elasticsearch.k8s.elastic.co", "enterprisesearch.k8s.elastic.co",
		"kibana.k8s.elastic.co", "logstash.k8s.elastic.co", "packageregistry.k8s.elastic.co", "stackconfigpolicy.k8s.elastic.co"},
	License: "Elastic License 2.0",
	Files:   []File{{"all-crds.yaml", "af6152d4b46227b9007057f974c4fa25077989e0"}},
}

// SparkOperator is the Kubernetes Spark operator's CRDs (kubeflow's
// spark-operator), all three of its release: its controller
// (cmd/operator/controller/start.go) starts the SparkApplication,
// ScheduledSparkApplication and SparkConnect reconcilers whatever is used,
// and each watches its kind, so it does not start without them. The
// config/crd/bases folder holds them as controller-gen wrote them; the
// Helm chart's crds folder holds the same blobs.
var SparkOperator = Set{
	Name: "Spark operator", Repository: "github.com/kubeflow/spark-operator", Tag: "v2.5.2",
	Commit: "43afb8bbd32463037d8fb6e414e252c69081882b", Folder: "config/crd/bases", Dir: "spark-operator",
	Groups: []string{"sparkoperator.k8s.io"}, Version: "v1beta2",
	Files: []File{
		{"sparkoperator.k8s.io_sparkapplications.yaml", "7154872c1039b466a6ddeb9df9ec60efc4d386a9"},
		{"sparkoperator.k8s.io_scheduledsparkapplications.yaml", "7bc36f2e85eead90036f5a3febfa9ab6483d0fa2"},
		{"sparkoperator.k8s.io_sparkconnects.yaml", "3f12bd5dd940e54e0f6d2dfe8f28fd47c53d833f"},
	},
	Versions: map[string]string{"sparkoperator.k8s.io_sparkconnects.yaml": "v1alpha1"},
}

// Header is the first line of an embedded file: where it comes from.
func (s Set) Header(file string) string {
	license := s.License
	if license == "" {
		license = "Apache-2.0"
	}
	return "# Copied from " + s.Repository + " " + s.Tag + " (commit " + s.Commit + "), " +
		s.Folder + "/" + file + ", unchanged (" + license + "). DO NOT EDIT."
}

// Names returns the files' names, in the order they are installed.
func (s Set) Names() []string {
	out := make([]string, len(s.Files))
	for i, f := range s.Files {
		out[i] = f.Name
	}
	return out
}

// Read returns an embedded file, header included. A name that is not one
// of the set's files is a bug in the caller, so it panics.
func (s Set) Read(name string) []byte {
	b, err := files.ReadFile(path.Join(s.Dir, name))
	if err != nil {
		panic("operatorcrds: " + err.Error())
	}
	return b
}
