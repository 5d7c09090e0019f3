package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/blueprint-dev/blueprint/internal/operatorcrds"
	"github.com/blueprint-dev/blueprint/spec"
)

// ImageScanning is the Trivy Operator (github.com/aquasecurity/trivy-operator
// v0.32.0) and its configuration. The operator watches every workload of
// the cluster, runs one scan Job per workload in Namespace (Trivy in
// "image" mode: the job pulls the image's manifest and layers from the
// registry itself and never runs the image), and writes a
// VulnerabilityReport per container beside the workload. Only the
// vulnerability scanner is on. Every setting below is read by the operator
// at that release: its environment (pkg/operator/etc/config.go), the
// trivy-operator ConfigMap (pkg/trivyoperator/config.go) and the
// trivy-operator-trivy-config ConfigMap (pkg/plugins/trivy/config.go).
type ImageScanning struct {
	Namespace string
	Replicas  int
	Placement Placement
	// CRDs are the files of internal/operatorcrds' TrivyOperator set, in
	// install order; render copies them into the folder.
	CRDs []string
	// Env is the operator container's environment.
	Env []Label
	// OperatorConfig and TrivyConfig are the data of the trivy-operator
	// and trivy-operator-trivy-config ConfigMaps, sorted by key.
	OperatorConfig, TrivyConfig []Label
	// ConfigHash is a digest of both ConfigMaps, an annotation of the
	// operator's pod template: the operator reads trivy-operator once at
	// start, so a change to it must roll the pods.
	ConfigHash string
	// PullSecret is the Secret in Namespace with registry credentials for
	// the scan jobs, or empty.
	PullSecret string
	// LeaseName is the Lease the replicas elect their leader with.
	LeaseName string
	// RegistryPorts are the TCP ports the scan jobs reach registries and
	// the database repositories on: 443 and every port a registry names.
	RegistryPorts []int
	// APIServerPorts are where the operator reaches the API server.
	APIServerPorts []int
	// ScanJobImage is the image of the scan jobs, ScanJobUser the user
	// they run as.
	ScanJobImage string
	ScanJobUser  int
	// ScanJobRequests and ScanJobLimits are each scan job's resources:
	// cpu, memory and ephemeral-storage.
	ScanJobRequests, ScanJobLimits ScanJobResources
	// DBRepository and JavaDBRepository are where the scan jobs download
	// the vulnerability databases.
	DBRepository, JavaDBRepository string
	RescanInterval                 string
	ConcurrentScans                int
}

// ScanJobResources are the resources of a scan job's container.
type ScanJobResources struct{ CPU, Memory, EphemeralStorage string }

// Names and ports of the Trivy Operator's objects, shared by the templates
// and the tests.
const (
	TrivyOperatorName        = "trivy-operator"
	TrivyScanJobName         = "trivy-scan-job" // app.kubernetes.io/name of the scan jobs' pods
	TrivyMetricsPort         = 8080
	TrivyProbesPort          = 9090
	TrivyOperatorUser        = 10000 // the user of the operator's image (build/trivy-operator/Dockerfile)
	TrivyScanJobUser         = 65534 // nobody: Trivy in image mode needs no privilege
	TrivyOperatorConfigMap   = "trivy-operator"
	TrivyPluginConfigMap     = "trivy-operator-trivy-config" // also the name of its optional Secret
	TrivyOperatorSecret      = "trivy-operator"              // created empty by the operator at start
	TrivyLeaseName           = "trivyoperator-lock"          // the operator's default LeaderElectionID
	TrivyTargetWorkloads     = "pod,replicaset,replicationcontroller,statefulset,daemonset,cronjob,job"
	TrivyPoliciesConfigMap   = "trivy-operator-policies-config" // looked for at start; a NotFound is fine
	trivyDefaultHTTPSPort    = 443
	trivyScanCacheDir        = "/tmp/trivy/.cache"
	trivyOperatorReplicas    = 2
	trivySeverities          = "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL"
	trivyScanTimeout         = "5m0s"
	trivyOperatorScanTimeout = "5m"
)

func buildImageScanning(p *Plan, s *spec.Spec, placement Placement) *ImageScanning {
	is := s.ImageScanning
	if is == nil {
		return nil
	}
	sc := &ImageScanning{
		Namespace: is.NamespaceOrDefault(), Replicas: trivyOperatorReplicas, Placement: placement,
		CRDs: operatorcrds.TrivyOperator.Names(), PullSecret: deref(is.PullSecret), LeaseName: TrivyLeaseName,
		ScanJobImage: p.imageRefs["trivy"], DBRepository: is.DBRepositoryOrDefault(s.Images),
		JavaDBRepository: is.JavaDBRepositoryOrDefault(s.Images), RescanInterval: is.RescanIntervalOrDefault(),
		ConcurrentScans: is.ConcurrentScansOrDefault(), ScanJobUser: TrivyScanJobUser,
		ScanJobRequests: ScanJobResources{"100m", "256Mi", "2Gi"}, ScanJobLimits: ScanJobResources{"1", "1Gi", "6Gi"},
		APIServerPorts: sortedPorts(map[int]bool{APIServerPort: true, p.Endpoint.Port: p.Endpoint.Port > 0}),
	}

	ports := map[int]bool{trivyDefaultHTTPSPort: true}
	addPort := func(hostPath string) {
		host, _, _ := strings.Cut(hostPath, "/")
		if _, port, err := net.SplitHostPort(host); err == nil {
			if n, err := strconv.Atoi(port); err == nil {
				ports[n] = true
			}
		}
	}
	for _, name := range s.ImageNames() {
		addPort(p.imageRefs[name])
	}
	addPort(p.ImageRepository)
	addPort(sc.DBRepository)
	addPort(sc.JavaDBRepository)
	if im := s.Images; im != nil {
		for _, r := range append(append([]string{}, im.AllowedRegistries...), im.ExtraAllowed...) {
			addPort(r)
		}
	}
	sc.RegistryPorts = sortedPorts(ports)

	sc.Env = []Label{
		{"OPERATOR_NAMESPACE", sc.Namespace},
		{"OPERATOR_TARGET_NAMESPACES", ""}, // every namespace
		{"OPERATOR_TARGET_WORKLOADS", TrivyTargetWorkloads},
		{"OPERATOR_SERVICE_ACCOUNT", TrivyOperatorName},
		{"OPERATOR_LEADER_ELECTION_ENABLED", "true"},
		{"OPERATOR_LEADER_ELECTION_ID", sc.LeaseName},
		{"OPERATOR_METRICS_BIND_ADDRESS", ":" + strconv.Itoa(TrivyMetricsPort)},
		{"OPERATOR_HEALTH_PROBE_BIND_ADDRESS", ":" + strconv.Itoa(TrivyProbesPort)},
		{"OPERATOR_METRICS_FINDINGS_ENABLED", "true"},
		{"OPERATOR_VULNERABILITY_SCANNER_ENABLED", "true"},
		{"OPERATOR_VULNERABILITY_SCANNER_SCAN_ONLY_CURRENT_REVISIONS", "true"},
		{"OPERATOR_SCANNER_REPORT_TTL", sc.RescanInterval},
		{"OPERATOR_SCAN_JOB_TIMEOUT", trivyOperatorScanTimeout},
		{"OPERATOR_CONCURRENT_SCAN_JOBS_LIMIT", strconv.Itoa(sc.ConcurrentScans)},
		// The scanners blueprint does not use: their CRDs are not
		// installed and their RBAC not granted.
		{"OPERATOR_EXPOSED_SECRET_SCANNER_ENABLED", "false"},
		{"OPERATOR_SBOM_GENERATION_ENABLED", "false"},
		{"OPERATOR_CLUSTER_SBOM_CACHE_ENABLED", "false"},
		{"OPERATOR_CONFIG_AUDIT_SCANNER_ENABLED", "false"},
		{"OPERATOR_RBAC_ASSESSMENT_SCANNER_ENABLED", "false"},
		{"OPERATOR_INFRA_ASSESSMENT_SCANNER_ENABLED", "false"},
		{"OPERATOR_CLUSTER_COMPLIANCE_ENABLED", "false"},
		{"OPERATOR_BUILT_IN_TRIVY_SERVER", "false"},
		// Registry credentials come only from PullSecret in the
		// operator's namespace, never from other namespaces' Secrets.
		{"OPERATOR_ACCESS_GLOBAL_SECRETS_SERVICE_ACCOUNTS", "false"},
	}
	if sc.PullSecret != "" {
		b, _ := json.Marshal(map[string]string{sc.Namespace: sc.PullSecret}) // a map of strings always marshals
		sc.Env = append(sc.Env, Label{"OPERATOR_PRIVATE_REGISTRY_SCAN_SECRETS_NAMES", string(b)})
	}

	repo, tag := splitRepoTag(sc.ScanJobImage)
	sc.OperatorConfig = sortLabels([]Label{
		{"vulnerabilityReports.scanner", "Trivy"},
		{"vulnerabilityReports.scanJobsInSameNamespace", "false"},
		{"scanJob.compressLogs", "true"},
		{"scanJob.podTemplateLabels", "app.kubernetes.io/name=" + TrivyScanJobName},
		{"scanJob.podTemplatePodSecurityContext", mustJSON(scanJobPodSecurity())},
		{"scanJob.podTemplateContainerSecurityContext", mustJSON(scanJobContainerSecurity())},
	})
	if len(placement.NodeSelector) > 0 {
		sel := map[string]string{}
		for _, l := range placement.NodeSelector {
			sel[l.Key] = l.Value
		}
		sc.OperatorConfig = sortLabels(append(sc.OperatorConfig, Label{"scanJob.nodeSelector", mustJSON(sel)}))
	}
	if len(placement.Tolerations) > 0 {
		var tols []corev1.Toleration
		for _, t := range placement.Tolerations {
			tol := corev1.Toleration{Key: t.Key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffect(t.Effect)}
			if t.Value != "" {
				tol.Operator, tol.Value = corev1.TolerationOpEqual, t.Value
			}
			tols = append(tols, tol)
		}
		sc.OperatorConfig = sortLabels(append(sc.OperatorConfig, Label{"scanJob.tolerations", mustJSON(tols)}))
	}
	sc.TrivyConfig = sortLabels([]Label{
		{"trivy.repository", repo},
		{"trivy.tag", tag},
		{"trivy.imagePullPolicy", "IfNotPresent"},
		{"trivy.mode", "Standalone"},
		{"trivy.command", "image"},
		{"trivy.severity", trivySeverities},
		{"trivy.slow", "true"},
		{"trivy.timeout", trivyScanTimeout},
		{"trivy.dbRepository", sc.DBRepository},
		{"trivy.javaDbRepository", sc.JavaDBRepository},
		{"trivy.dbRepositoryInsecure", "false"},
		{"trivy.skipJavaDBUpdate", "false"},
		{"trivy.imageScanCacheDir", trivyScanCacheDir},
		{"trivy.resources.requests.cpu", sc.ScanJobRequests.CPU},
		{"trivy.resources.requests.memory", sc.ScanJobRequests.Memory},
		{"trivy.resources.requests.ephemeral-storage", sc.ScanJobRequests.EphemeralStorage},
		{"trivy.resources.limits.cpu", sc.ScanJobLimits.CPU},
		{"trivy.resources.limits.memory", sc.ScanJobLimits.Memory},
		{"trivy.resources.limits.ephemeral-storage", sc.ScanJobLimits.EphemeralStorage},
	})
	h := sha256.New()
	for _, l := range append(append([]Label{}, sc.OperatorConfig...), sc.TrivyConfig...) {
		h.Write([]byte(l.Key + "\x00" + l.Value + "\x00"))
	}
	sc.ConfigHash = hex.EncodeToString(h.Sum(nil)[:16]) // detects a change; 64 hex digits would read as a kubeadm certificate key
	return sc
}

// scanJobPodSecurity is the pod security context of every scan job: the
// restricted Pod Security level's, as a user the Trivy image does not
// define (it runs as root by default, which restricted refuses).
func scanJobPodSecurity() corev1.PodSecurityContext {
	id := int64(TrivyScanJobUser)
	yes := true
	return corev1.PodSecurityContext{RunAsNonRoot: &yes, RunAsUser: &id, RunAsGroup: &id, FSGroup: &id,
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
}

// scanJobContainerSecurity is every scan job container's security context:
// Trivy writes only to its cache and result folders, emptyDir volumes the
// operator mounts at /tmp and /tmp/scan.
func scanJobContainerSecurity() corev1.SecurityContext {
	no, yes := false, true
	return corev1.SecurityContext{Privileged: &no, AllowPrivilegeEscalation: &no, ReadOnlyRootFilesystem: &yes,
		Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}}
}

// splitRepoTag splits an image reference into the repository and the rest
// as the operator joins them again ("%s:%s", trivy.repository and
// trivy.tag): the tag, with the digest after it when the image is pinned.
// validate makes sure the reference has a tag.
func splitRepoTag(ref string) (string, string) {
	name, digest, pinned := strings.Cut(ref, "@")
	slash := strings.LastIndex(name, "/")
	colon := strings.LastIndex(name, ":")
	if colon < slash {
		return name, "" // no tag: validate refuses it
	}
	tag := name[colon+1:]
	if pinned {
		tag += "@" + digest
	}
	return name[:colon], tag
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // fixed Kubernetes API types and string maps always marshal
	}
	return string(b)
}

func sortLabels(ls []Label) []Label {
	slices.SortFunc(ls, func(a, b Label) int { return strings.Compare(a.Key, b.Key) })
	return ls
}
