package pipeline_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/manifest"
	"github.com/blueprint-dev/blueprint/internal/operatorcrds"
	"github.com/blueprint-dev/blueprint/plan"
)

const scanDir = "manifests/image-scanning"

// trivyOperatorKeys are the keys of the trivy-operator and
// trivy-operator-trivy-config ConfigMaps that the Trivy Operator v0.32.0
// reads (the constants of pkg/trivyoperator/config.go and
// pkg/plugins/trivy/config.go at that tag): a key it does not read is a
// setting that silently does nothing.
var trivyOperatorKeys = map[string][]string{
	"trivy-operator": {"scanJob.affinity", "scanJob.annotations", "scanJob.automountServiceAccountToken", "scanJob.compressLogs",
		"scanJob.nodeSelector", "scanJob.podPriorityClassName", "scanJob.podTemplateContainerSecurityContext",
		"scanJob.podTemplateLabels", "scanJob.podTemplatePodSecurityContext", "scanJob.tolerations",
		"vulnerabilityReports.scanJobsInSameNamespace", "vulnerabilityReports.scanner"},
	"trivy-operator-trivy-config": {"trivy.command", "trivy.dbRepository", "trivy.dbRepositoryInsecure", "trivy.imagePullPolicy",
		"trivy.imageScanCacheDir", "trivy.javaDbRepository", "trivy.mode", "trivy.repository",
		"trivy.resources.limits.cpu", "trivy.resources.limits.ephemeral-storage", "trivy.resources.limits.memory",
		"trivy.resources.requests.cpu", "trivy.resources.requests.ephemeral-storage", "trivy.resources.requests.memory",
		"trivy.severity", "trivy.skipJavaDBUpdate", "trivy.slow", "trivy.tag", "trivy.timeout"},
}

// scanningSpec is blueprints/ha.hcl changed by the replacements.
func scanningSpec(t *testing.T, name string, replacements ...string) example {
	t.Helper()
	src, err := os.ReadFile("blueprints/ha.hcl")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	for i := 0; i+1 < len(replacements); i += 2 {
		if !strings.Contains(s, replacements[i]) {
			t.Fatalf("blueprints/ha.hcl no longer contains %q, which this test replaces", replacements[i])
		}
		s = strings.Replace(s, replacements[i], replacements[i+1], 1)
	}
	return renderSpecText(t, name, s)
}

// TestImageScanning checks the Trivy Operator as every example with an
// image_scanning block renders it, and ha.hcl with a mirror and a pull
// secret: the operator's CRDs are the committed copies, the two ConfigMaps
// hold only keys the operator reads, the scan jobs' image is the tree's
// (mirror, lock and admission apply to it), the scanners blueprint does not
// use are off and get no RBAC, the namespace is restricted, and the
// NetworkPolicies let the operator reach only the API server, the scan jobs
// only the registries' ports, and Prometheus the metrics.
func TestImageScanning(t *testing.T) {
	var cases []example
	for _, ex := range examples(t) {
		if ex.plan.Services.ImageScanning != nil {
			cases = append(cases, ex)
		}
	}
	if len(cases) == 0 {
		t.Fatal("no example of blueprints/ scans images: the e2e suite would not check the Trivy Operator on the API server")
	}
	mirrored := scanningSpec(t, "ha-mirrored",
		`  extra_allowed      = ["quay.io/calico/"]`, `  extra_allowed      = ["quay.io/calico/"]
  registry           = "mirror.example.com:5000"`,
		`  db_repository      = "harbor.dataplat.example.com/aquasec/trivy-db"
  java_db_repository = "harbor.dataplat.example.com/aquasec/trivy-java-db"`, `  pull_secret        = "registry-creds"
  concurrent_scans   = 5
  node_pool          = "kafka"`)
	for _, ex := range append(cases, mirrored) {
		t.Run(ex.name, func(t *testing.T) { checkImageScanning(t, ex) })
	}

	// The mirror replaces the registry of the scan jobs' image and of the
	// databases, as it does for every image; its port is opened.
	sc := mirrored.plan.Services.ImageScanning
	cm := configMapData(t, mirrored, plan.TrivyPluginConfigMap)
	if cm["trivy.repository"] != "mirror.example.com:5000/aquasec/trivy" ||
		cm["trivy.dbRepository"] != "mirror.example.com:5000/aquasec/trivy-db" ||
		cm["trivy.javaDbRepository"] != "mirror.example.com:5000/aquasec/trivy-java-db" {
		t.Errorf("ha-mirrored: the scan jobs' image and databases do not follow the mirror: %v", cm)
	}
	if !slices.Equal(sc.RegistryPorts, []int{443, 5000}) {
		t.Errorf("ha-mirrored: scan jobs may reach ports %v, want [443 5000]", sc.RegistryPorts)
	}
	env := operatorEnv(t, mirrored)
	if env["OPERATOR_PRIVATE_REGISTRY_SCAN_SECRETS_NAMES"] != `{"trivy-system":"registry-creds"}` || env["OPERATOR_CONCURRENT_SCAN_JOBS_LIMIT"] != "5" {
		t.Errorf("ha-mirrored: the pull secret or concurrent_scans does not reach the operator: %v", env)
	}
	// The scan jobs go to node_pool's nodes as the operator does.
	ocm := configMapData(t, mirrored, plan.TrivyOperatorConfigMap)
	var sel map[string]string
	var tols []corev1.Toleration
	if json.Unmarshal([]byte(ocm["scanJob.nodeSelector"]), &sel) != nil || json.Unmarshal([]byte(ocm["scanJob.tolerations"]), &tols) != nil ||
		len(sel) == 0 || len(tols) == 0 {
		t.Errorf("ha-mirrored: the scan jobs are not placed on node pool kafka: %q %q", ocm["scanJob.nodeSelector"], ocm["scanJob.tolerations"])
	}
	op := scanObject[*appsv1.Deployment](t, mirrored, "Deployment", "trivy-operator").Spec.Template.Spec
	if !maps.Equal(op.NodeSelector, sel) || len(op.Tolerations) != len(tols) {
		t.Errorf("ha-mirrored: the scan jobs' placement %v %v differs from the operator's %v %v", sel, tols, op.NodeSelector, op.Tolerations)
	}
	role := scanObject[*rbacv1.Role](t, mirrored, "Role", "trivy-operator")
	if !roleGrants(role.Rules, "", "secrets", "get", "registry-creds") || !roleGrants(role.Rules, "", "secrets", "update", "any") {
		t.Errorf("ha-mirrored: the operator may not read the pull secret or update the scan jobs' Secrets: %+v", role.Rules)
	}
	// Without pull_secret, no Secret but the operator's own two; with one
	// (an example's), that one too.
	for _, ex := range cases {
		role := scanObject[*rbacv1.Role](t, ex, "Role", "trivy-operator")
		if secret := ex.plan.Services.ImageScanning.PullSecret; secret != "" {
			if !roleGrants(role.Rules, "", "secrets", "get", secret) || !roleGrants(role.Rules, "", "secrets", "update", "any") {
				t.Errorf("%s: the operator may not read the pull secret %s or update the scan jobs' Secrets: %+v", ex.name, secret, role.Rules)
			}
			continue
		}
		if roleGrants(role.Rules, "", "secrets", "get", "registry-creds") || roleGrants(role.Rules, "", "secrets", "update", "any") {
			t.Errorf("%s: without pull_secret the operator reads or updates other Secrets: %+v", ex.name, role.Rules)
		}
	}
}

func checkImageScanning(t *testing.T, ex example) {
	sc := ex.plan.Services.ImageScanning
	// The CRDs are the committed copies, listed in the kustomization.
	kust := string(ex.tree[scanDir+"/kustomization.yaml"])
	if len(sc.CRDs) != len(operatorcrds.TrivyOperator.Files) {
		t.Errorf("the plan installs %v, the set holds %d files", sc.CRDs, len(operatorcrds.TrivyOperator.Files))
	}
	for _, f := range operatorcrds.TrivyOperator.Names() {
		if !bytes.Equal(ex.tree[scanDir+"/crds/"+f], operatorcrds.TrivyOperator.Read(f)) {
			t.Errorf("%s/crds/%s is not the committed copy of the operator's CRD", scanDir, f)
		}
		if !strings.Contains(kust, "- \"crds/"+f+"\"\n") {
			t.Errorf("%s/kustomization.yaml does not install crds/%s", scanDir, f)
		}
	}
	if !strings.Contains(string(ex.tree["manifests/kustomization.yaml"]), "- image-scanning\n") {
		t.Error("manifests/kustomization.yaml does not include image-scanning/")
	}

	// Only keys the operator reads.
	for name, known := range trivyOperatorKeys {
		for k := range configMapData(t, ex, name) {
			if !slices.Contains(known, k) {
				t.Errorf("ConfigMap %s has key %q, which the Trivy Operator v0.32.0 does not read", name, k)
			}
		}
	}
	cm := configMapData(t, ex, plan.TrivyPluginConfigMap)
	scanImage := cm["trivy.repository"] + ":" + cm["trivy.tag"]
	if scanImage != ex.plan.Image("trivy") || !strings.Contains(string(ex.tree["images.txt"]), "\n"+scanImage+"\n") {
		t.Errorf("the scan jobs run %q, which is not the tree's trivy image %q listed in images.txt", scanImage, ex.plan.Image("trivy"))
	}
	if cm["trivy.dbRepository"] != sc.DBRepository || cm["trivy.javaDbRepository"] != sc.JavaDBRepository || cm["trivy.command"] != "image" {
		t.Errorf("trivy config: %v", cm)
	}
	ocm := configMapData(t, ex, plan.TrivyOperatorConfigMap)
	var podSC corev1.PodSecurityContext
	var ctrSC corev1.SecurityContext
	if json.Unmarshal([]byte(ocm["scanJob.podTemplatePodSecurityContext"]), &podSC) != nil ||
		json.Unmarshal([]byte(ocm["scanJob.podTemplateContainerSecurityContext"]), &ctrSC) != nil {
		t.Fatalf("the scan jobs' security contexts do not parse: %v", ocm)
	}
	if podSC.RunAsNonRoot == nil || !*podSC.RunAsNonRoot || podSC.RunAsUser == nil || *podSC.RunAsUser == 0 ||
		podSC.SeccompProfile == nil || ctrSC.AllowPrivilegeEscalation == nil || *ctrSC.AllowPrivilegeEscalation ||
		ctrSC.Capabilities == nil || !slices.Equal(ctrSC.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("the scan jobs do not meet the restricted Pod Security level: %+v %+v", podSC, ctrSC)
	}
	if v := ocm["scanJob.automountServiceAccountToken"]; v != "" && v != "false" {
		t.Errorf("the scan jobs get a ServiceAccount token (scanJob.automountServiceAccountToken %q); they call no API", v)
	}
	if ocm["scanJob.podTemplateLabels"] != "app.kubernetes.io/name="+plan.TrivyScanJobName {
		t.Errorf("the scan jobs' pods are not labelled for their NetworkPolicy: %q", ocm["scanJob.podTemplateLabels"])
	}

	// The operator: its image, the scanners blueprint uses, non-root,
	// resources, spread over zones.
	d := scanObject[*appsv1.Deployment](t, ex, "Deployment", "trivy-operator")
	ctr := d.Spec.Template.Spec.Containers[0]
	if ctr.Image != ex.plan.Image("trivy-operator") {
		t.Errorf("the operator runs %q, want %q", ctr.Image, ex.plan.Image("trivy-operator"))
	}
	env := operatorEnv(t, ex)
	for k, want := range map[string]string{
		"OPERATOR_NAMESPACE": sc.Namespace, "OPERATOR_TARGET_NAMESPACES": "", "OPERATOR_SERVICE_ACCOUNT": d.Spec.Template.Spec.ServiceAccountName,
		"OPERATOR_VULNERABILITY_SCANNER_ENABLED": "true", "OPERATOR_METRICS_FINDINGS_ENABLED": "true",
		"OPERATOR_CONFIG_AUDIT_SCANNER_ENABLED": "false", "OPERATOR_EXPOSED_SECRET_SCANNER_ENABLED": "false",
		"OPERATOR_RBAC_ASSESSMENT_SCANNER_ENABLED": "false", "OPERATOR_INFRA_ASSESSMENT_SCANNER_ENABLED": "false",
		"OPERATOR_CLUSTER_COMPLIANCE_ENABLED": "false", "OPERATOR_SBOM_GENERATION_ENABLED": "false",
		"OPERATOR_CLUSTER_SBOM_CACHE_ENABLED": "false", "OPERATOR_ACCESS_GLOBAL_SECRETS_SERVICE_ACCOUNTS": "false",
		"OPERATOR_LEADER_ELECTION_ENABLED": "true",
	} {
		if got, ok := env[k]; !ok || got != want {
			t.Errorf("operator env %s = %q, want %q", k, got, want)
		}
	}
	ps := d.Spec.Template.Spec.SecurityContext
	if ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot || ctr.Resources.Requests.Cpu().IsZero() ||
		ctr.Resources.Requests.Memory().IsZero() || ctr.Resources.Limits.Memory().IsZero() {
		t.Errorf("the operator must run as non-root with requests and a memory limit: %+v %+v", ps, ctr.Resources)
	}
	spread := false
	for _, c := range d.Spec.Template.Spec.TopologySpreadConstraints {
		spread = spread || c.TopologyKey == "topology.kubernetes.io/zone" && c.WhenUnsatisfiable == corev1.DoNotSchedule
	}
	if !spread || d.Spec.Replicas == nil || *d.Spec.Replicas != 2 {
		t.Error("the operator's two replicas must be spread over zones")
	}
	ns := scanObject[*corev1.Namespace](t, ex, "Namespace", sc.Namespace)
	if ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("namespace %s enforces %q, want restricted", sc.Namespace, ns.Labels["pod-security.kubernetes.io/enforce"])
	}

	// RBAC: no rule for the kinds of the scanners that are off, nothing
	// that lets the operator read Secrets or create Jobs elsewhere.
	cr := scanObject[*rbacv1.ClusterRole](t, ex, "ClusterRole", "trivy-operator")
	for _, r := range cr.Rules {
		for _, res := range r.Resources {
			if slices.Contains([]string{"secrets", "serviceaccounts", "nodes", "configauditreports", "clusterrbacassessmentreports",
				"rbacassessmentreports", "infraassessmentreports", "clustercompliancereports", "*"}, res) {
				t.Errorf("the ClusterRole grants %s, which the scanners blueprint turns on do not use", res)
			}
		}
		for _, v := range r.Verbs {
			if v != "get" && v != "list" && v != "watch" && !slices.Equal(r.Resources, []string{"vulnerabilityreports"}) {
				t.Errorf("the ClusterRole grants %s on %v cluster-wide; only VulnerabilityReports are written beside workloads", v, r.Resources)
			}
		}
	}

	// NetworkPolicies on top of the namespace's default deny.
	pol := networkPolicies(scanObjects(t, ex))
	operator := netPod{sc.Namespace, labels.Set{"app.kubernetes.io/name": "trivy-operator", "app.kubernetes.io/managed-by": "blueprint"}}
	scanJob := netPod{sc.Namespace, labels.Set{"app.kubernetes.io/name": plan.TrivyScanJobName, "app.kubernetes.io/managed-by": "trivy-operator"}}
	apiServer := netip.MustParseAddr(ex.plan.ControlPlane[0].Address)
	registry := netip.MustParseAddr("203.0.113.10")
	for _, f := range []struct {
		what string
		from netPod
		addr netip.Addr
		port int
		open bool
	}{
		{"operator → API server", operator, apiServer, plan.APIServerPort, true},
		{"operator → a registry", operator, registry, 443, false},
		{"scan job → a registry", scanJob, registry, 443, true},
		{"scan job → a registry on port 80", scanJob, registry, 80, false},
	} {
		if got := policyAllowsTo(pol, f.from, f.addr, f.port); got != f.open {
			t.Errorf("%s (TCP %d): allowed %v, want %v", f.what, f.port, got, f.open)
		}
	}
	for _, p := range sc.RegistryPorts {
		if !policyAllowsTo(pol, scanJob, registry, p) {
			t.Errorf("scan job → a registry on port %d: refused", p)
		}
	}
	if m := ex.plan.Services.Monitoring; m != nil {
		prometheus := netPod{m.Namespace, labels.Set{"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/managed-by": "blueprint"}}
		checkFlows(t, ex.name, pol, []netFlow{
			{"Prometheus scrapes the operator's metrics", prometheus, operator, plan.TrivyMetricsPort, true},
		})
	}
}

// builtObjects caches each example's decoded root kustomization: building
// it takes seconds.
var builtObjects = map[string][]manifest.Object{}

func scanObjects(t *testing.T, ex example) []manifest.Object {
	t.Helper()
	if objs, ok := builtObjects[ex.path]; ok {
		return objs
	}
	objs := rootObjects(t, ex)
	builtObjects[ex.path] = objs
	return objs
}

// scanObject finds an object of the image-scanning folder (or its
// namespace) in the built tree.
func scanObject[T any](t *testing.T, ex example, kind, name string) T {
	t.Helper()
	for _, o := range scanObjects(t, ex) {
		if o.GVK.Kind == kind && o.Name == name && (o.Namespace == "" || o.Namespace == ex.plan.Services.ImageScanning.Namespace) {
			if v, ok := o.Object.(T); ok {
				return v
			}
		}
	}
	t.Fatalf("%s: no %s %s in the tree", ex.name, kind, name)
	var zero T
	return zero
}

func configMapData(t *testing.T, ex example, name string) map[string]string {
	t.Helper()
	return scanObject[*corev1.ConfigMap](t, ex, "ConfigMap", name).Data
}

func operatorEnv(t *testing.T, ex example) map[string]string {
	t.Helper()
	d := scanObject[*appsv1.Deployment](t, ex, "Deployment", "trivy-operator")
	env := map[string]string{}
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		env[e.Name] = e.Value
	}
	return env
}

// roleGrants tells whether a rule allows verb on resource, for the object
// named name ("any": a rule without resourceNames).
func roleGrants(rules []rbacv1.PolicyRule, group, resource, verb, name string) bool {
	for _, r := range rules {
		if slices.Contains(r.APIGroups, group) && slices.Contains(r.Resources, resource) && slices.Contains(r.Verbs, verb) &&
			(len(r.ResourceNames) == 0 || name != "any" && slices.Contains(r.ResourceNames, name)) {
			return true
		}
	}
	return false
}

// vulnSeries is a trivy_image_vulnerabilities series as Prometheus stores
// it from the operator's leader (pkg/metrics/collector.go at v0.32.0: the
// report's namespace and name, the workload's kind and name, the
// container, the image, the severity) with the labels of job
// trivy-operator (instance, pod).
type vulnSeries struct {
	replica                          int
	namespace, kind, name, container string
	registry, repository, tag        string
	digest, severity                 string
}

func (v vulnSeries) String() string {
	return `trivy_image_vulnerabilities{job="trivy-operator",instance="10.244.` + string(rune('1'+v.replica)) + `.9:8080",pod="trivy-operator-6c9f7-` +
		string(rune('a'+v.replica)) + `",namespace="` + v.namespace + `",name="` + strings.ToLower(v.kind) + "-" + v.name + `",resource_kind="` + v.kind +
		`",resource_name="` + v.name + `",container_name="` + v.container + `",image_registry="` + v.registry + `",image_repository="` +
		v.repository + `",image_tag="` + v.tag + `",image_digest="` + v.digest + `",severity="` + v.severity + `"}`
}

func trivyUp(replica int) string {
	return `up{job="trivy-operator",instance="10.244.` + string(rune('1'+replica)) + `.9:8080",pod="trivy-operator-6c9f7-` + string(rune('a'+replica)) + `"}`
}

// TestImageScanningRules runs the image-scanning alerts and every panel
// of the image-scanning dashboard through promtool test rules on series
// labelled as the operator and the scrape job label them: each alert fires
// on its bad input, with the annotations on-call reads, and stays silent
// on a healthy cluster; each panel query returns the expected rows. The
// scrape job is checked to keep the operator's metrics port. Every example
// that scans images with monitoring is checked, on either monitoring
// engine.
func TestImageScanningRules(t *testing.T) {
	promtool := tool(t, "promtool")
	n := 0
	for _, ex := range examples(t) {
		if ex.plan.Services.ImageScanning != nil && ex.plan.Services.Monitoring != nil {
			n++
			t.Run(ex.name, func(t *testing.T) { checkImageScanningRules(t, promtool, ex) })
		}
	}
	if n == 0 {
		t.Fatal("no example scans images with monitoring: the image-scanning alerts and dashboard go untested")
	}
}

// checkImageScanningRules runs TestImageScanningRules' checks on one
// example, on either monitoring engine: the rules and the scrape job are
// what its Prometheus loads (prometheusStack).
func checkImageScanningRules(t *testing.T, promtool string, ex example) {
	stack := prometheusStack(t, ex)
	src, ok := stack.Rules["image-scanning.rules.yml"]
	if !ok {
		t.Fatal("Prometheus loads no image-scanning.rules.yml (not in the prometheus-config ConfigMap, or no PrometheusRule image-scanning it selects)")
	}
	var rf struct {
		Groups []struct {
			Name  string `json:"name"`
			Rules []struct {
				Alert       string            `json:"alert"`
				Expr        string            `json:"expr"`
				For         string            `json:"for"`
				Labels      map[string]string `json:"labels"`
				Annotations map[string]string `json:"annotations"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := yaml.UnmarshalStrict(src, &rf); err != nil {
		t.Fatal(err)
	}
	annotations := map[string]map[string]string{}
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			annotations[r.Alert] = r.Annotations
			if r.For == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s needs for, a severity label, a summary and a description", r.Alert)
			}
		}
	}
	// The scrape job keeps the operator Service's port named metrics.
	var cfg struct {
		ScrapeConfigs []struct {
			JobName    string `json:"job_name"`
			Kubernetes []struct {
				Role       string `json:"role"`
				Namespaces struct {
					Names []string `json:"names"`
				} `json:"namespaces"`
			} `json:"kubernetes_sd_configs"`
			Relabel []struct {
				SourceLabels []string `json:"source_labels"`
				Regex        string   `json:"regex"`
				Action       string   `json:"action"`
			} `json:"relabel_configs"`
		} `json:"scrape_configs"`
	}
	if err := yaml.Unmarshal(stack.Config, &cfg); err != nil {
		t.Fatal(err)
	}
	svc := scanObject[*corev1.Service](t, ex, "Service", "trivy-operator")
	found := false
	for _, j := range cfg.ScrapeConfigs {
		if j.JobName != "trivy-operator" {
			continue
		}
		found = len(j.Kubernetes) == 1 && j.Kubernetes[0].Role == "endpointslice" &&
			slices.Equal(j.Kubernetes[0].Namespaces.Names, []string{ex.plan.Services.ImageScanning.Namespace}) &&
			len(j.Relabel) > 0 && j.Relabel[0].Action == "keep" && j.Relabel[0].Regex == svc.Name+";"+svc.Spec.Ports[0].Name &&
			svc.Spec.Ports[0].Port == plan.TrivyMetricsPort
	}
	if !found {
		t.Errorf("prometheus.yml has no job trivy-operator keeping Service %s's port %s in its namespace", svc.Name, svc.Spec.Ports[0].Name)
	}

	type series struct {
		Series string `json:"series"`
		Values string `json:"values"`
	}
	kafka := vulnSeries{0, "kafka", "StatefulSet", "broker", "kafka", "docker.io", "apache/kafka", "4.1.0",
		"sha256:4b5d2a8f0c3e6b7a9d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c", "Critical"}
	grafana := vulnSeries{0, "monitoring", "ReplicaSet", "grafana-5d8f9", "grafana", "docker.io", "grafana/grafana", "12.2.0", "", "Critical"}
	with := func(v vulnSeries, replica int, severity string) string {
		v.replica, v.severity = replica, severity
		return v.String()
	}
	// healthy: both replicas up, the leader (replica 0) exporting counts
	// with no critical finding.
	healthy := func(kafkaCritical string) []series {
		return []series{
			{trivyUp(0), "1x90"}, {trivyUp(1), "1x90"},
			{with(kafka, 0, "Critical"), kafkaCritical}, {with(kafka, 0, "High"), "5x90"}, {with(kafka, 0, "Medium"), "11x90"},
			{with(grafana, 0, "Critical"), "0x90"}, {with(grafana, 0, "High"), "1x90"}, {with(grafana, 0, "Medium"), "3x90"},
		}
	}
	critical := func(value string) map[string]any {
		labels := map[string]string{"namespace": "kafka", "resource_kind": "StatefulSet", "resource_name": "broker",
			"container_name": "kafka", "image_registry": "docker.io", "image_repository": "apache/kafka", "image_tag": "4.1.0",
			"image_digest": kafka.digest, "severity": "warning"}
		anns := map[string]string{}
		for k, v := range annotations["RunningImageCriticalVulnerabilities"] {
			for lk, lv := range labels {
				v = strings.ReplaceAll(v, "{{ $labels."+lk+" }}", lv)
			}
			anns[k] = strings.ReplaceAll(v, "{{ $value }}", value)
		}
		return map[string]any{"exp_labels": labels, "exp_annotations": anns}
	}
	down := map[string]any{"exp_labels": map[string]string{"severity": "warning"}, "exp_annotations": annotations["ImageScanningDown"]}
	alert := func(at, name string, exp ...map[string]any) map[string]any {
		if exp == nil {
			exp = []map[string]any{}
		}
		return map[string]any{"eval_time": at, "alertname": name, "exp_alerts": exp}
	}
	test := func(name string, in []series, alerts ...map[string]any) map[string]any {
		return map[string]any{"name": name, "interval": "1m", "input_series": in, "alert_rule_test": alerts}
	}
	// A leader change while the workload's report is deleted and rescanned:
	// the series goes stale on replica 0 and comes back on replica 1.
	failover := healthy("3x30 _x6 _x54")
	failover = append(failover, series{with(kafka, 1, "Critical"), "_x36 3x54"})
	tests := []map[string]any{
		test("healthy cluster", healthy("0x90"),
			alert("60m", "RunningImageCriticalVulnerabilities"), alert("60m", "ImageScanningDown")),
		test("a running image with critical vulnerabilities", healthy("0x10 2x80"),
			alert("20m", "RunningImageCriticalVulnerabilities"),
			alert("40m", "RunningImageCriticalVulnerabilities", critical("2")), alert("40m", "ImageScanningDown")),
		test("the finding survives a rescan and a leader change", failover,
			alert("20m", "RunningImageCriticalVulnerabilities", critical("3")),
			alert("33m", "RunningImageCriticalVulnerabilities", critical("3")),
			alert("50m", "RunningImageCriticalVulnerabilities", critical("3"))),
		// The image is replaced: its series ends (the new image's has other
		// labels); the alert lasts until the last finding leaves the hour.
		test("the image is replaced", healthy("2x30"),
			alert("80m", "RunningImageCriticalVulnerabilities", critical("2")),
			alert("95m", "RunningImageCriticalVulnerabilities")),
		test("both replicas down", []series{{trivyUp(0), "1x5 0x60"}, {trivyUp(1), "1x5 0x60"}},
			alert("15m", "ImageScanningDown"), alert("25m", "ImageScanningDown", down)),
		test("the operator not scraped at all", []series{{`up{job="prometheus",instance="10.244.1.3:9090"}`, "1x30"}},
			alert("20m", "ImageScanningDown", down)),
	}

	// Every panel's query on the cluster of the second case, at 40m.
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(ex.tree["manifests/monitoring/grafana/dashboards/image-scanning.json"], &dash); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ex.tree["manifests/monitoring/grafana/kustomization.yaml"]), "- dashboards/image-scanning.json\n") {
		t.Error("the image-scanning dashboard is not in the Grafana dashboards ConfigMap")
	}
	img := func(repo, tag, sev string) string {
		return `{image_registry="docker.io",image_repository="` + repo + `",image_tag="` + tag + `",severity="` + sev + `"}`
	}
	want := map[string][]map[string]any{
		"Images with critical vulnerabilities":           {{"labels": "{}", "value": 1}},
		"Critical vulnerabilities in running containers": {{"labels": "{}", "value": 2}},
		"High vulnerabilities in running containers":     {{"labels": "{}", "value": 6}},
		"Scanner replicas up":                            {{"labels": "{}", "value": 2}},
		"Critical vulnerabilities by namespace":          {{"labels": `{namespace="kafka"}`, "value": 2}, {"labels": `{namespace="monitoring"}`, "value": 0}},
		"Critical and high vulnerabilities by image": {
			{"labels": img("apache/kafka", "4.1.0", "Critical"), "value": 2}, {"labels": img("apache/kafka", "4.1.0", "High"), "value": 5},
			{"labels": img("grafana/grafana", "12.2.0", "High"), "value": 1}},
	}
	var exprTests []map[string]any
	for _, p := range dash.Panels {
		exp, ok := want[p.Title]
		if !ok {
			t.Errorf("panel %q has no expected result in this test: add one", p.Title)
			continue
		}
		delete(want, p.Title)
		for _, q := range p.Targets {
			exprTests = append(exprTests, map[string]any{"expr": q.Expr, "eval_time": "40m", "exp_samples": exp})
		}
	}
	for title := range want {
		t.Errorf("the dashboard has no panel %q", title)
	}
	tests = append(tests, map[string]any{"name": "dashboard panels", "interval": "1m", "input_series": healthy("0x10 2x80"),
		"promql_expr_test": exprTests})

	// Every alert of the file has a case where it fires.
	fired := map[string]bool{}
	for _, tc := range tests {
		alerts, _ := tc["alert_rule_test"].([]map[string]any)
		for _, a := range alerts {
			if len(a["exp_alerts"].([]map[string]any)) > 0 {
				fired[a["alertname"].(string)] = true
			}
		}
	}
	for name := range annotations {
		if !fired[name] {
			t.Errorf("alert %s has no case where it fires", name)
		}
	}

	dir := t.TempDir()
	doc, err := yaml.Marshal(map[string]any{"rule_files": []string{"image-scanning.rules.yml"}, "evaluation_interval": "1m", "tests": tests})
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"image-scanning.rules.yml": src, "test.yml": doc} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out := run(t, promtool, "check", "rules", filepath.Join(dir, "image-scanning.rules.yml")); !strings.Contains(out, "SUCCESS: 2 rules found") {
		t.Errorf("promtool check rules:\n%s", out)
	}
	if out := run(t, promtool, "test", "rules", filepath.Join(dir, "test.yml")); !strings.Contains(out, "SUCCESS") {
		t.Errorf("promtool test rules:\n%s", out)
	}
}
