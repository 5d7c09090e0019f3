package pipeline_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/internal/manifest"
	"github.com/blueprint-dev/blueprint/internal/operatorcrds"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
)

// promopSpec puts monitoring on prometheus-operator; the same text without
// its engine line is the StatefulSet engine's design.
const (
	promopSpec   = "testdata/monitoring/monitoring-operator.hcl"
	promopGolden = "testdata/monitoring/monitoring-operator.golden"
)

var promopEngineLine = regexp.MustCompile(`(?m)^\s*engine\s*=\s*"operator"\n`)

// promopRendered holds the operator engine's rendering, which the tests
// only read.
var promopRendered struct {
	sync.Mutex
	c *kafkaCase
}

// renderPromop renders the operator engine's spec, or with statefulset the
// same spec on the StatefulSet engine (its twin), once per test binary.
func renderPromop(t *testing.T, statefulset bool) *kafkaCase {
	t.Helper()
	if statefulset {
		return statefulSetTwin(t, promopSpec)
	}
	promopRendered.Lock()
	defer promopRendered.Unlock()
	if promopRendered.c != nil {
		return promopRendered.c
	}
	b, err := os.ReadFile(promopSpec)
	if err != nil {
		t.Fatal(err)
	}
	c := renderKafka(t, string(b))
	if m := c.plan.Services.Monitoring; m == nil || m.Operator == nil || m.Engine != spec.EngineOperator {
		t.Fatalf("%s does not render monitoring on the operator engine", promopSpec)
	}
	promopRendered.c = c
	return c
}

// promopCase is a spec on the operator engine and its StatefulSet twin.
type promopCase struct {
	name    string
	op, sts *kafkaCase
}

// promopCases are the operator engine's test spec and every example of
// blueprints/ whose monitoring runs on the operator engine, each with its
// twin: the tests that compare the engines run on all of them, which
// proves the twins the other monitoring tests read equal.
func promopCases(t *testing.T) []promopCase {
	t.Helper()
	out := []promopCase{{"testdata-monitoring-operator", renderPromop(t, false), renderPromop(t, true)}}
	for _, ex := range examples(t) {
		if m := ex.plan.Services.Monitoring; m != nil && m.Operator != nil {
			op := &kafkaCase{plan: ex.plan, tree: ex.tree, objs: rootObjects(t, ex)}
			out = append(out, promopCase{ex.name, op, statefulSetTwin(t, ex.path)})
		}
	}
	return out
}

// promopGoldenFiles are the files the operator engine writes or changes:
// Prometheus' and Alertmanager's folders, Grafana's data source and
// Deployment, the monitoring kustomization, the operator's folder but the
// CRDs (TestPrometheusOperatorCRDsAsReleased), and images.txt.
func promopGoldenFiles(tree render.Tree) []string {
	var out []string
	for _, p := range tree.Paths() {
		switch {
		case strings.HasPrefix(p, "manifests/prometheus-operator/crds/"):
		case strings.HasPrefix(p, "manifests/prometheus-operator/"), strings.HasPrefix(p, "manifests/monitoring/prometheus/"),
			strings.HasPrefix(p, "manifests/monitoring/alertmanager/"), p == "manifests/monitoring/kustomization.yaml",
			p == "manifests/monitoring/grafana/datasources.yaml", p == "manifests/monitoring/grafana/deployment.yaml", p == "images.txt":
			out = append(out, p)
		}
	}
	return out
}

// TestPrometheusOperatorGolden compares the operator engine's files with
// testdata/monitoring/monitoring-operator.golden/, which only -update
// rewrites.
func TestPrometheusOperatorGolden(t *testing.T) {
	c := renderPromop(t, false)
	goldenFolder(t, c.tree, promopGoldenFiles(c.tree), promopGolden, promopSpec, "TestPrometheusOperatorGolden")
}

// TestPrometheusOperatorCRDsAsReleased checks that the tree carries the
// operator's CRDs exactly as internal/operatorcrds holds them (which checks
// them against the release), listed first in the folder's kustomization.
func TestPrometheusOperatorCRDsAsReleased(t *testing.T) {
	c := renderPromop(t, false)
	crdsAsReleased(t, c.tree, "manifests/prometheus-operator", operatorcrds.PrometheusOperator)
}

// unstructuredOf returns the one object of kind and name in objs.
func unstructuredOf(t *testing.T, c *kafkaCase, kind, name string) map[string]any {
	t.Helper()
	for _, o := range c.objs {
		if o.GVK.Kind == kind && o.Name == name {
			if u, ok := o.Object.(*unstructured.Unstructured); ok {
				return u.Object
			}
		}
	}
	t.Fatalf("no %s %s in the tree", kind, name)
	return nil
}

// statefulSetOf returns the StatefulSet name of the tree.
func statefulSetOf(t *testing.T, c *kafkaCase, name string) *appsv1.StatefulSet {
	t.Helper()
	for _, o := range c.objs {
		if s, ok := o.Object.(*appsv1.StatefulSet); ok && s.Name == name {
			return s
		}
	}
	t.Fatalf("no StatefulSet %s in the tree", name)
	return nil
}

// asJSON re-reads a part of an object into a typed value, through YAML.
func asJSON(t *testing.T, v any, into any) {
	t.Helper()
	b, err := yaml.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, into); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

// crPod is the part of a Prometheus' or Alertmanager's spec that places
// and sizes its pods, in the core API's types.
type crPod struct {
	Replicas                  int32
	NodeSelector              map[string]string
	Tolerations               []corev1.Toleration
	Affinity                  *corev1.Affinity
	TopologySpreadConstraints []corev1.TopologySpreadConstraint
	SecurityContext           *corev1.PodSecurityContext
	Resources                 corev1.ResourceRequirements
}

func podOf(t *testing.T, spec map[string]any) crPod {
	t.Helper()
	var p crPod
	keep := map[string]any{}
	for _, k := range []string{"replicas", "nodeSelector", "tolerations", "affinity", "topologySpreadConstraints", "securityContext", "resources"} {
		if v, ok := spec[k]; ok {
			keep[k] = v
		}
	}
	asJSON(t, keep, &p)
	return p
}

// samePod compares a custom resource's pod settings with a StatefulSet's.
func samePod(t *testing.T, what string, cr crPod, s *appsv1.StatefulSet) {
	t.Helper()
	ps := s.Spec.Template.Spec
	if s.Spec.Replicas == nil || cr.Replicas != *s.Spec.Replicas {
		t.Errorf("%s: %d replicas, the StatefulSet engine %v", what, cr.Replicas, s.Spec.Replicas)
	}
	for name, pair := range map[string][2]any{
		"nodeSelector":              {cr.NodeSelector, ps.NodeSelector},
		"tolerations":               {cr.Tolerations, ps.Tolerations},
		"affinity":                  {cr.Affinity, ps.Affinity},
		"topologySpreadConstraints": {cr.TopologySpreadConstraints, ps.TopologySpreadConstraints},
		"securityContext":           {cr.SecurityContext, ps.SecurityContext},
		"resources":                 {cr.Resources, ps.Containers[0].Resources},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			t.Errorf("%s: %s %+v, the StatefulSet engine's %+v", what, name, pair[0], pair[1])
		}
	}
	if len(ps.NodeSelector) == 0 || len(ps.Tolerations) == 0 || len(ps.TopologySpreadConstraints) == 0 || ps.Affinity == nil {
		t.Errorf("%s: the spec's dedicated, tainted pool should give a node selector, tolerations, spread and anti-affinity to compare", what)
	}
}

// TestPrometheusOperatorSameSettings renders the spec on both engines and
// checks that the operator engine's Prometheus and Alertmanager get the
// StatefulSet engine's replicas, placement, security, resources, retention
// and volumes.
func TestPrometheusOperatorSameSettings(t *testing.T) {
	op, sts := renderPromop(t, false), renderPromop(t, true)
	m, o := op.plan.Services.Monitoring, op.plan.Services.Monitoring.Operator

	prom := unstructuredOf(t, op, "Prometheus", o.Name)["spec"].(map[string]any)
	promSet := statefulSetOf(t, sts, "prometheus")
	samePod(t, "Prometheus", podOf(t, prom), promSet)
	args := strings.Join(promSet.Spec.Template.Spec.Containers[0].Args, " ")
	if want := "--storage.tsdb.retention.time=" + prom["retention"].(string); !strings.Contains(args, want) {
		t.Errorf("Prometheus retention %v; the StatefulSet engine runs %s", prom["retention"], args)
	}
	if want := "--storage.tsdb.retention.size=" + prom["retentionSize"].(string); !strings.Contains(args, want) {
		t.Errorf("Prometheus retentionSize %v; the StatefulSet engine runs %s", prom["retentionSize"], args)
	}
	if prom["retention"] != "30d" || prom["replicas"] != float64(3) && prom["replicas"] != int64(3) {
		t.Errorf("the spec's retention 30d and 3 replicas are not the Prometheus' %v, %v", prom["retention"], prom["replicas"])
	}
	var storage struct {
		VolumeClaimTemplate struct {
			Metadata struct{ Labels map[string]string }
			Spec     corev1.PersistentVolumeClaimSpec
		}
	}
	asJSON(t, prom["storage"], &storage)
	claim := promSet.Spec.VolumeClaimTemplates[0].Spec
	got := storage.VolumeClaimTemplate.Spec
	if *got.StorageClassName != *claim.StorageClassName || !got.Resources.Requests.Storage().Equal(*claim.Resources.Requests.Storage()) ||
		!slices.Equal(got.AccessModes, claim.AccessModes) || *got.StorageClassName != "standard" || got.Resources.Requests.Storage().String() != "200Gi" {
		t.Errorf("Prometheus volumes %+v, the StatefulSet engine's %+v", got, claim)
	}
	if ext := prom["externalLabels"].(map[string]any); ext["cluster"] != op.plan.Name || prom["replicaExternalLabelName"] != "" || prom["prometheusExternalLabelName"] != "" {
		t.Errorf("Prometheus external labels %v (replica %q, instance %q), want only cluster=%s as prometheus.yml has", ext, prom["replicaExternalLabelName"], prom["prometheusExternalLabelName"], op.plan.Name)
	}
	if _, tag, _ := strings.Cut(sts.plan.Image("prometheus"), ":v"); prom["image"] != sts.plan.Image("prometheus") || prom["version"] != "v"+tag {
		t.Errorf("Prometheus image %v version %v, want the StatefulSet engine's %s", prom["image"], prom["version"], sts.plan.Image("prometheus"))
	}

	am := unstructuredOf(t, op, "Alertmanager", o.Name)["spec"].(map[string]any)
	amSet := statefulSetOf(t, sts, "alertmanager")
	samePod(t, "Alertmanager", podOf(t, am), amSet)
	var amStorage struct{ EmptyDir corev1.EmptyDirVolumeSource }
	asJSON(t, am["storage"], &amStorage)
	for _, v := range amSet.Spec.Template.Spec.Volumes {
		if v.Name == "data" && (v.EmptyDir == nil || !v.EmptyDir.SizeLimit.Equal(*amStorage.EmptyDir.SizeLimit)) {
			t.Errorf("Alertmanager's volume %+v, the StatefulSet engine's %+v", amStorage, v)
		}
	}
	if am["automountServiceAccountToken"] != false || am["serviceAccountName"] != "alertmanager" {
		t.Errorf("Alertmanager runs as %v with token %v, want alertmanager without a token", am["serviceAccountName"], am["automountServiceAccountToken"])
	}
	if m.AlertmanagerReplicas != 3 || m.PrometheusReplicas != 3 {
		t.Errorf("the spec's replicas are not in the plan: %d, %d", m.PrometheusReplicas, m.AlertmanagerReplicas)
	}
	// Nothing of the StatefulSet engine's Prometheus or Alertmanager
	// remains, and the operator's pods are selected by the Services the
	// trees share.
	for _, o := range op.objs {
		if s, ok := o.Object.(*appsv1.StatefulSet); ok && (s.Name == "prometheus" || s.Name == "alertmanager") {
			t.Errorf("the operator engine's tree still has StatefulSet %s", s.Name)
		}
		if cm, ok := o.Object.(*corev1.ConfigMap); ok && strings.HasPrefix(cm.Name, "prometheus-config") {
			t.Errorf("the operator engine's tree still has ConfigMap %s", cm.Name)
		}
	}
}

// generatedConfigMap returns the data of the ConfigMap whose name starts with
// prefix (a generated one carries a hash).
func generatedConfigMap(t *testing.T, c *kafkaCase, prefix string) map[string]string {
	t.Helper()
	for _, o := range c.objs {
		if cm, ok := o.Object.(*corev1.ConfigMap); ok && strings.HasPrefix(cm.Name, prefix) {
			return cm.Data
		}
	}
	t.Fatalf("no ConfigMap %s* in the tree", prefix)
	return nil
}

// TestPrometheusOperatorRules checks, for the operator engine's test spec
// and every example on that engine, that the PrometheusRules hold exactly
// the rule groups of the StatefulSet twin's rule files, one resource per
// file, that the Prometheus selects them all (its ruleSelector, in its
// namespace), and that promtool accepts them.
func TestPrometheusOperatorRules(t *testing.T) {
	for _, pc := range promopCases(t) {
		t.Run(pc.name, func(t *testing.T) {
			files := generatedConfigMap(t, pc.sts, "prometheus-config")
			rules := map[string]map[string]any{}
			for name, b := range selectedRules(t, pc.name, pc.op.objs) {
				var body map[string]any
				if err := yaml.Unmarshal(b, &body); err != nil {
					t.Fatal(err)
				}
				rules[name] = body
			}
			var want []string
			for f := range files {
				if strings.HasSuffix(f, ".rules.yml") {
					want = append(want, f)
				}
			}
			slices.Sort(want)
			got := slices.Sorted(maps.Keys(rules))
			if !slices.Equal(got, want) || len(want) < 9 {
				t.Fatalf("PrometheusRules %v, the StatefulSet engine's rule files %v", got, want)
			}
			dir := t.TempDir()
			for _, f := range want {
				var file map[string]any
				if err := yaml.Unmarshal([]byte(files[f]), &file); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(file, rules[f]) {
					t.Errorf("PrometheusRule %s's spec differs from the StatefulSet engine's %s", strings.TrimSuffix(f, ".rules.yml"), f)
				}
				b, err := yaml.Marshal(rules[f])
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			promtool := tool(t, "promtool")
			args := []string{"check", "rules"}
			for _, f := range want {
				args = append(args, filepath.Join(dir, f))
			}
			if out := run(t, promtool, args...); !strings.Contains(out, "SUCCESS") {
				t.Errorf("promtool check rules on the PrometheusRules' specs: %s", out)
			}
		})
	}
}

// scrapeJob is a scrape job with what decides its targets and how they are
// reached, in one form for prometheus.yml and for ScrapeConfigs.
type scrapeJob struct {
	Scheme, MetricsPath string
	HonorLabels         bool
	Discovery           []string // role and namespaces
	Static              []string
	Relabel             []string
	// CA, Token and Insecure: verified with the cluster CA, sending the
	// service account token, the certificate not verified.
	CA, Token, Insecure, BasicAuth bool
}

// promJobs reads prometheus.yml's jobs.
func promJobs(t *testing.T, src string) map[string]scrapeJob {
	t.Helper()
	var cfg struct {
		ScrapeConfigs []struct {
			JobName             string `json:"job_name"`
			Scheme              string
			Path                string `json:"metrics_path"`
			HonorLabels         bool   `json:"honor_labels"`
			KubernetesSDConfigs []struct {
				Role       string
				Namespaces struct{ Names []string }
			} `json:"kubernetes_sd_configs"`
			StaticConfigs []struct{ Targets []string } `json:"static_configs"`
			TLSConfig     struct {
				CAFile             string `json:"ca_file"`
				InsecureSkipVerify bool   `json:"insecure_skip_verify"`
			} `json:"tls_config"`
			Authorization struct {
				CredentialsFile string `json:"credentials_file"`
			}
			BasicAuth      map[string]any `json:"basic_auth"`
			RelabelConfigs []struct {
				SourceLabels []string `json:"source_labels"`
				Regex        string
				Action       string
				Replacement  string
				TargetLabel  string `json:"target_label"`
			} `json:"relabel_configs"`
		} `json:"scrape_configs"`
	}
	if err := yaml.Unmarshal([]byte(src), &cfg); err != nil {
		t.Fatal(err)
	}
	out := map[string]scrapeJob{}
	for _, c := range cfg.ScrapeConfigs {
		j := scrapeJob{Scheme: orDefault(c.Scheme, "http"), MetricsPath: orDefault(c.Path, "/metrics"), HonorLabels: c.HonorLabels,
			CA:    c.TLSConfig.CAFile == "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
			Token: c.Authorization.CredentialsFile == "/var/run/secrets/kubernetes.io/serviceaccount/token", Insecure: c.TLSConfig.InsecureSkipVerify,
			BasicAuth: c.BasicAuth != nil}
		for _, d := range c.KubernetesSDConfigs {
			j.Discovery = append(j.Discovery, strings.ToLower(d.Role)+" "+strings.Join(d.Namespaces.Names, ","))
		}
		for _, s := range c.StaticConfigs {
			j.Static = append(j.Static, s.Targets...)
		}
		for _, r := range c.RelabelConfigs {
			j.Relabel = append(j.Relabel, strings.Join([]string{strings.Join(r.SourceLabels, ","), r.Regex, orDefault(r.Action, "replace"), r.Replacement, r.TargetLabel}, " | "))
		}
		out[c.JobName] = j
	}
	return out
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// scrapeConfigJobs reads the ScrapeConfigs of a tree that its Prometheus
// selects.
func scrapeConfigJobs(t *testing.T, c *kafkaCase) map[string]scrapeJob {
	t.Helper()
	// The scrape classes of the Prometheus that send its pod's own token,
	// which the kubelet mounts and rotates.
	tokenClasses := map[string]bool{}
	for _, x := range c.objs {
		if x.GVK.Kind != "Prometheus" {
			continue
		}
		var classes []struct {
			Name          string
			Default       bool
			Authorization struct{ Type, CredentialsFile string }
		}
		spec, _ := x.Object.(*unstructured.Unstructured).Object["spec"].(map[string]any)
		asJSON(t, spec["scrapeClasses"], &classes)
		for _, sc := range classes {
			if sc.Default {
				t.Errorf("Prometheus %s: scrape class %s is the default: every scrape would carry what it sets", x.Name, sc.Name)
			}
			tokenClasses[sc.Name] = sc.Authorization.Type == "Bearer" && sc.Authorization.CredentialsFile == plan.ServiceAccountTokenFile
		}
	}
	out := map[string]scrapeJob{}
	for _, u := range selectedBy(t, c.plan.Name, c.objs, "ScrapeConfig", "scrapeConfig") {
		var s struct {
			JobName, Scheme, MetricsPath, ScrapeClass string
			HonorLabels                               bool
			KubernetesSDConfigs                       []struct {
				Role       string
				Namespaces struct{ Names []string }
			}
			StaticConfigs []struct{ Targets []string }
			TLSConfig     struct {
				CA struct {
					ConfigMap struct{ Name, Key string }
				}
				InsecureSkipVerify bool
			}
			Authorization struct {
				Type        string
				Credentials struct{ Name, Key string }
			}
			BasicAuth   map[string]any
			Relabelings []struct {
				SourceLabels                            []string
				Regex, Action, Replacement, TargetLabel string
			}
		}
		asJSON(t, u.Object["spec"], &s)
		j := scrapeJob{Scheme: strings.ToLower(orDefault(s.Scheme, "http")), MetricsPath: orDefault(s.MetricsPath, "/metrics"), HonorLabels: s.HonorLabels,
			CA: s.TLSConfig.CA.ConfigMap == struct{ Name, Key string }{"kube-root-ca.crt", "ca.crt"},
			// An authorization of its own would override the class's.
			Token:    tokenClasses[s.ScrapeClass] && s.Authorization.Type == "",
			Insecure: s.TLSConfig.InsecureSkipVerify, BasicAuth: s.BasicAuth != nil}
		for _, d := range s.KubernetesSDConfigs {
			j.Discovery = append(j.Discovery, strings.ToLower(d.Role)+" "+strings.Join(d.Namespaces.Names, ","))
		}
		for _, st := range s.StaticConfigs {
			j.Static = append(j.Static, st.Targets...)
		}
		for _, r := range s.Relabelings {
			j.Relabel = append(j.Relabel, strings.Join([]string{strings.Join(r.SourceLabels, ","), r.Regex, strings.ToLower(orDefault(r.Action, "replace")), r.Replacement, r.TargetLabel}, " | "))
		}
		if s.JobName != u.GetName() {
			t.Errorf("ScrapeConfig %s has job %q", u.GetName(), s.JobName)
		}
		out[s.JobName] = j
	}
	return out
}

// TestPrometheusOperatorTargets checks, for the operator engine's test
// spec and every example on that engine, that the ScrapeConfigs scrape what
// the StatefulSet twin's prometheus.yml does: the same jobs, discovery,
// static targets, relabelling (so the same targets and labels), schemes,
// paths and credentials. The one difference is by design: the operator's
// Prometheus and Alertmanager ask no password, so their jobs send none.
func TestPrometheusOperatorTargets(t *testing.T) {
	for _, pc := range promopCases(t) {
		t.Run(pc.name, func(t *testing.T) {
			want := promJobs(t, generatedConfigMap(t, pc.sts, "prometheus-config")["prometheus.yml"])
			got := scrapeConfigJobs(t, pc.op)
			if len(want) < 14 {
				t.Fatalf("prometheus.yml has %d jobs", len(want))
			}
			for name, w := range want {
				if name == "prometheus" || name == "alertmanager" {
					if !w.BasicAuth {
						t.Errorf("prometheus.yml's %s job sends no password", name)
					}
					w.BasicAuth = false
				}
				g, ok := got[name]
				if !ok {
					t.Errorf("no ScrapeConfig for prometheus.yml's job %s", name)
					continue
				}
				if !reflect.DeepEqual(g, w) {
					t.Errorf("job %s:\nScrapeConfig  %+v\nprometheus.yml %+v", name, g, w)
				}
			}
			for name := range got {
				if _, ok := want[name]; !ok {
					t.Errorf("ScrapeConfig %s has no job in prometheus.yml", name)
				}
			}
		})
	}
}

// TestPrometheusOperatorAlertmanagerConfig checks that the Alertmanager's
// configuration Secret holds the StatefulSet engine's alertmanager.yml
// under the key the operator reads, with no credentials, and that amtool
// accepts it.
func TestPrometheusOperatorAlertmanagerConfig(t *testing.T) {
	op, sts := renderPromop(t, false), renderPromop(t, true)
	o := op.plan.Services.Monitoring.Operator
	want := generatedConfigMap(t, sts, "alertmanager-config")["alertmanager.yml"]
	var secret *corev1.Secret
	for _, x := range op.objs {
		if s, ok := x.Object.(*corev1.Secret); ok && s.Name == o.AlertmanagerConfigSecret {
			secret = s
		}
	}
	if secret == nil {
		t.Fatalf("no Secret %s", o.AlertmanagerConfigSecret)
	}
	am := unstructuredOf(t, op, "Alertmanager", o.Name)["spec"].(map[string]any)
	if am["configSecret"] != secret.Name {
		t.Errorf("the Alertmanager reads Secret %v, the tree has %s", am["configSecret"], secret.Name)
	}
	got := string(secret.Data["alertmanager.yaml"])
	if got == "" || got != want || len(secret.Data) != 1 {
		t.Fatalf("Secret %s holds %d keys; alertmanager.yaml differs from the StatefulSet engine's alertmanager.yml", secret.Name, len(secret.Data))
	}
	for _, word := range []string{"password", "auth_", "credentials:", "api_key", "token"} {
		if strings.Contains(got, word+":") || strings.Contains(got, word) && word == "credentials:" {
			t.Errorf("the configuration carries %s", word)
		}
	}
	if !strings.Contains(got, "smtp.example.com:587") || !strings.Contains(got, "hooks/platform") {
		t.Error("the spec's receivers are not in the configuration")
	}
	amtool := tool(t, "amtool")
	path := filepath.Join(t.TempDir(), "alertmanager.yaml")
	if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := run(t, amtool, "check-config", path); !strings.Contains(out, "SUCCESS") {
		t.Errorf("amtool check-config: %s", out)
	}
}

// TestPrometheusOperatorRBAC checks least privilege: the operator's
// account is bound to one Role in the watched namespace and one
// ClusterRole that reads only that namespace and storage classes and
// emits events (the operator asks for them in every namespace); no
// wildcard; no kubelet Service (nodes, Endpoints, EndpointSlices), no
// ingresses, no agent or ruler kinds; every kind of its own it reads has
// its CRD in the tree; and it runs watching that namespace only.
func TestPrometheusOperatorRBAC(t *testing.T) {
	c := renderPromop(t, false)
	o := c.plan.Services.Monitoring.Operator
	sa := rbacv1.Subject{Kind: "ServiceAccount", Name: plan.PrometheusOperatorName, Namespace: o.Namespace}
	roles := map[string][]rbacv1.PolicyRule{}
	var grants []string
	var deploy *appsv1.Deployment
	for _, x := range c.objs {
		switch v := x.Object.(type) {
		case *rbacv1.Role:
			roles["Role/"+v.Namespace+"/"+v.Name] = v.Rules
		case *rbacv1.ClusterRole:
			roles["ClusterRole/"+v.Name] = v.Rules
		case *rbacv1.RoleBinding:
			if slices.Contains(v.Subjects, sa) {
				ns := v.Namespace
				if v.RoleRef.Kind == "ClusterRole" {
					ns = ""
				}
				grants = append(grants, v.RoleRef.Kind+"/"+strings.TrimPrefix(ns+"/", "/")+v.RoleRef.Name)
			}
		case *rbacv1.ClusterRoleBinding:
			if slices.Contains(v.Subjects, sa) {
				grants = append(grants, "ClusterRole/"+v.RoleRef.Name)
			}
		case *appsv1.Deployment:
			if v.Name == plan.PrometheusOperatorName {
				deploy = v
			}
		}
	}
	slices.Sort(grants)
	wantGrants := []string{"ClusterRole/" + o.Namespace + ":prometheus-operator", "Role/" + o.Watch + "/prometheus-operator"}
	if !slices.Equal(grants, wantGrants) {
		t.Fatalf("the operator is bound to %v, want %v", grants, wantGrants)
	}
	installed := map[string]bool{}
	for _, f := range operatorcrds.PrometheusOperator.Names() {
		var crd struct {
			Spec struct{ Names struct{ Plural string } }
		}
		if err := yaml.Unmarshal(operatorcrds.PrometheusOperator.Read(f), &crd); err != nil {
			t.Fatal(err)
		}
		installed[crd.Spec.Names.Plural] = true
	}
	for _, name := range grants {
		for _, r := range roles[name] {
			for _, x := range slices.Concat(r.APIGroups, r.Resources, r.Verbs) {
				if x == "*" {
					t.Errorf("%s has a wildcard: %v", name, r)
				}
			}
			for _, res := range r.Resources {
				base, _, _ := strings.Cut(res, "/")
				if slices.Contains([]string{"nodes", "endpoints", "endpointslices", "ingresses", "prometheusagents", "thanosrulers", "daemonsets"}, base) {
					t.Errorf("%s grants %s, which this design's operator does not call", name, res)
				}
				if slices.Contains(r.APIGroups, "monitoring.coreos.com") && !installed[base] {
					t.Errorf("%s grants %s, whose CRD the tree does not install", name, res)
				}
				if base == "pods" && !slices.Equal(r.Verbs, []string{"list"}) || base == "services" && slices.Contains(r.Verbs, "delete") {
					t.Errorf("%s grants %v on %s; the operator only lists pods and never deletes Services", name, r.Verbs, res)
				}
			}
		}
	}
	for _, r := range roles[wantGrants[0]] {
		ok := slices.Equal(r.Resources, []string{"namespaces"}) && slices.Equal(r.ResourceNames, []string{o.Watch}) && slices.Equal(r.Verbs, []string{"get"}) ||
			slices.Equal(r.Resources, []string{"storageclasses"}) && slices.Equal(r.Verbs, []string{"get"}) ||
			slices.Equal(r.Resources, []string{"events"}) && slices.Equal(r.Verbs, []string{"create", "patch"})
		if !ok {
			t.Errorf("the cluster-wide role grants %v", r)
		}
	}
	if deploy == nil {
		t.Fatal("no operator Deployment")
	}
	ctr := deploy.Spec.Template.Spec.Containers[0]
	if deploy.Namespace != o.Namespace || deploy.Spec.Template.Spec.ServiceAccountName != sa.Name || !slices.Contains(ctr.Args, "--namespaces="+o.Watch) {
		t.Errorf("the operator runs as %s in %s with %v; its Role is for %s", deploy.Spec.Template.Spec.ServiceAccountName, deploy.Namespace, ctr.Args, o.Watch)
	}
	for _, a := range ctr.Args {
		if strings.HasPrefix(a, "--kubelet-service") {
			t.Errorf("the operator keeps a kubelet Service (%s): its Role does not allow it", a)
		}
	}
	if !slices.Contains(ctr.Args, "--prometheus-config-reloader="+c.plan.Image("prometheus-config-reloader")) || ctr.Image != c.plan.Image("prometheus-operator") {
		t.Errorf("the operator's images %s, %v are not the design's", ctr.Image, ctr.Args)
	}
	images := string(c.tree["images.txt"])
	for _, name := range []string{"prometheus-operator", "prometheus-config-reloader", "prometheus", "alertmanager"} {
		if !strings.Contains(images, c.plan.Image(name)+"\n") {
			t.Errorf("images.txt lacks %s", c.plan.Image(name))
		}
	}
}

// TestPrometheusOperatorGrafana checks that Grafana queries the Service
// that selects the operator's Prometheus pods (their labels as the
// operator sets them, pkg/prometheus/server makeSelectorLabels, plus the
// resource's podMetadata), and that with no password to send it carries
// no web account.
func TestPrometheusOperatorGrafana(t *testing.T) {
	c := renderPromop(t, false)
	o := c.plan.Services.Monitoring.Operator
	ds := string(c.tree["manifests/monitoring/grafana/datasources.yaml"])
	if !strings.Contains(ds, "http://prometheus."+c.plan.Services.Monitoring.Namespace+".svc.") || strings.Contains(ds, "basicAuth") {
		t.Errorf("Grafana's data source:\n%s", ds)
	}
	if d := string(c.tree["manifests/monitoring/grafana/deployment.yaml"]); strings.Contains(d, "PROMETHEUS_PASSWORD") {
		t.Error("Grafana reads a Prometheus password that no Prometheus asks for")
	}
	podLabels := map[string]string{"app.kubernetes.io/managed-by": "prometheus-operator", "app.kubernetes.io/name": "prometheus",
		"app.kubernetes.io/instance": o.Name, "operator.prometheus.io/name": o.Name, "prometheus": o.Name, "operator.prometheus.io/shard": "0"}
	prom := unstructuredOf(t, c, "Prometheus", o.Name)["spec"].(map[string]any)
	var meta struct{ Labels map[string]string }
	asJSON(t, prom["podMetadata"], &meta)
	for k, v := range meta.Labels {
		if _, set := podLabels[k]; !set {
			podLabels[k] = v
		}
	}
	for _, x := range c.objs {
		if s, ok := x.Object.(*corev1.Service); ok && s.Name == "prometheus" {
			for k, v := range s.Spec.Selector {
				if podLabels[k] != v {
					t.Errorf("Service prometheus selects %s=%s, which the operator's pods (%v) lack", k, v, podLabels)
				}
			}
			return
		}
	}
	t.Error("no Service prometheus")
}

// TestPrometheusOperatorForecast checks that the forecast counts the pods
// prometheus-operator makes as it makes them: StatefulSets prometheus-main
// (with its claims, named as the operator names them) and
// alertmanager-main, and none of the StatefulSet engine's; and that intact
// and after each zone's loss they land, pend and wait for volumes as the
// StatefulSet engine's do, each asking for the config reloader's 10m CPU
// and 50Mi more.
func TestPrometheusOperatorForecast(t *testing.T) {
	b, err := os.ReadFile(promopSpec)
	if err != nil {
		t.Fatal(err)
	}
	stsPath := filepath.Join(t.TempDir(), "monitoring-statefulset.hcl")
	if err := os.WriteFile(stsPath, []byte(onStatefulSets(t, promopSpec, string(b))), 0o644); err != nil {
		t.Fatal(err)
	}
	op, sts := forecastOf(t, promopSpec), forecastOf(t, stsPath)
	o := renderPromop(t, false).plan.Services.Monitoring.Operator
	byName := map[string]*forecast.Workload{}
	for _, w := range op.Workloads {
		byName[w.Name] = w
	}
	for _, gone := range []string{"prometheus", "alertmanager"} {
		if w := byName[gone]; w != nil {
			t.Errorf("the operator engine's forecast has %s", w)
		}
	}
	pw, aw := byName[o.PrometheusStatefulSet], byName[o.AlertmanagerStatefulSet]
	if pw == nil || aw == nil {
		t.Fatalf("the forecast lacks %s or %s", o.PrometheusStatefulSet, o.AlertmanagerStatefulSet)
	}
	if pw.Kind != forecast.KindStatefulSet || pw.Replicas != 3 || len(pw.ClaimTemplates) != 1 || pw.ClaimTemplates[0].Name != o.PrometheusClaim ||
		*pw.ClaimTemplates[0].Spec.StorageClassName != "standard" || pw.ClaimTemplates[0].Spec.Resources.Requests.Storage().String() != "200Gi" {
		t.Errorf("Prometheus' pods are counted as %+v", pw)
	}
	if aw.Kind != forecast.KindStatefulSet || aw.Replicas != 3 || len(aw.ClaimTemplates) != 0 {
		t.Errorf("Alertmanager's pods are counted as %+v", aw)
	}
	if pw.Template.Labels["app.kubernetes.io/name"] != "prometheus" || pw.Template.Labels["operator.prometheus.io/name"] != o.Name {
		t.Errorf("Prometheus' pods are labelled %v", pw.Template.Labels)
	}
	summary := func(s *forecast.Scenario, names map[string]string) []string {
		var out []string
		for _, p := range s.Pods {
			app, ok := names[p.Pod.Workload.Name]
			if !ok {
				continue
			}
			out = append(out, fmt.Sprintf("%s on %q pending=%v volume=%v cpu=%d mem=%d", app, p.Node, p.Pending != nil, p.WaitsForVolume,
				p.Requests.MilliCPU, p.Requests.Memory))
		}
		slices.Sort(out)
		return out
	}
	// The operator's pods ask for the reloader's requests on top; shift the
	// StatefulSet engine's by as much to compare.
	reloader := forecast.PrometheusOperatorReloader.Requests
	opNames := map[string]string{o.PrometheusStatefulSet: "prometheus", o.AlertmanagerStatefulSet: "alertmanager"}
	stsNames := map[string]string{"prometheus": "prometheus", "alertmanager": "alertmanager"}
	scenarios := func(f *forecast.Forecast) []*forecast.Scenario {
		return append([]*forecast.Scenario{f.Intact}, f.ZoneLosses...)
	}
	a, c := scenarios(sts), scenarios(op)
	if len(a) != len(c) || len(a) < 2 {
		t.Fatalf("%d and %d scenarios", len(a), len(c))
	}
	for i := range a {
		var want []string
		for _, p := range a[i].Pods {
			app, ok := stsNames[p.Pod.Workload.Name]
			if !ok {
				continue
			}
			want = append(want, fmt.Sprintf("%s on %q pending=%v volume=%v cpu=%d mem=%d", app, p.Node, p.Pending != nil, p.WaitsForVolume,
				p.Requests.MilliCPU+reloader.Cpu().MilliValue(), p.Requests.Memory+reloader.Memory().Value()))
		}
		slices.Sort(want)
		got := summary(c[i], opNames)
		if len(want) != 6 || !slices.Equal(got, want) {
			t.Errorf("%s: the StatefulSet engine's pods (plus the reloader)\n  %s\nthe operator engine's\n  %s", a[i].Name, strings.Join(want, "\n  "), strings.Join(got, "\n  "))
		}
	}
}

// TestPrometheusOperatorImagesLocked renders the operator engine with an
// images lock file: the operator, the config reloader it adds to the pods
// it makes, and the Prometheus and Alertmanager it runs carry the lock's
// digests, as images.txt does, while the resources' version stays the tag
// the operator writes its flags for.
func TestPrometheusOperatorImagesLocked(t *testing.T) {
	b, err := os.ReadFile(promopSpec)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var lock strings.Builder
	digest := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(spec.DefaultImages)) {
		ref := spec.DefaultImages[name]
		sum := sha256.Sum256([]byte(ref))
		digest[name] = ref + "@sha256:" + hex.EncodeToString(sum[:])
		fmt.Fprintf(&lock, "%s sha256:%s\n", ref, hex.EncodeToString(sum[:]))
	}
	cp, _ := spec.ControlPlaneImages(37, 2, spec.DefaultImageRepository)
	for _, im := range cp {
		sum := sha256.Sum256([]byte(im.Ref))
		fmt.Fprintf(&lock, "%s sha256:%s\n", im.Ref, hex.EncodeToString(sum[:]))
	}
	if err := os.WriteFile(filepath.Join(dir, "images.lock"), []byte(lock.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	src := string(b) + "\nimages {\n  lock_file = \"images.lock\"\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "spec.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	p, tree, diags, err := renderLoaded(spec.NewLoader().Load(filepath.Join(dir, "spec.hcl"), spec.Options{}))
	if diags.HasErrors() || err != nil || p.Services.Monitoring.Operator == nil {
		t.Fatalf("%v %v", diags, err)
	}
	var deploy appsv1.Deployment
	docs, err := manifest.Split(tree["manifests/prometheus-operator/deployment.yaml"])
	if err != nil || len(docs) != 2 || yaml.Unmarshal(docs[1], &deploy) != nil {
		t.Fatalf("manifests/prometheus-operator/deployment.yaml: %v", err)
	}
	ctr := deploy.Spec.Template.Spec.Containers[0]
	if ctr.Image != digest["prometheus-operator"] || !slices.Contains(ctr.Args, "--prometheus-config-reloader="+digest["prometheus-config-reloader"]) {
		t.Errorf("the operator runs %s with %v; want %s and the reloader %s", ctr.Image, ctr.Args, digest["prometheus-operator"], digest["prometheus-config-reloader"])
	}
	for file, app := range map[string]string{"manifests/monitoring/prometheus/prometheus-cr.yaml": "prometheus", "manifests/monitoring/alertmanager/alertmanager-cr.yaml": "alertmanager"} {
		var cr struct {
			Kind string
			Spec struct{ Image, Version string }
		}
		docs, err := manifest.Split(tree[file])
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			if yaml.Unmarshal(d, &cr) == nil && strings.EqualFold(cr.Kind, app) {
				break
			}
		}
		_, tag, _ := strings.Cut(spec.DefaultImages[app], ":")
		if cr.Spec.Image != digest[app] || cr.Spec.Version != tag {
			t.Errorf("%s runs %s version %s, want %s version %s", file, cr.Spec.Image, cr.Spec.Version, digest[app], tag)
		}
	}
	for _, name := range []string{"prometheus-operator", "prometheus-config-reloader", "prometheus", "alertmanager"} {
		if !strings.Contains(string(tree["images.txt"]), digest[name]+"\n") {
			t.Errorf("images.txt lacks %s", digest[name])
		}
	}
}
