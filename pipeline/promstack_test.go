package pipeline_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/forecast"
	"github.com/blueprint-dev/blueprint/internal/manifest"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/validate"
)

// The monitoring tests read what an example's Prometheus loads through
// prometheusStack, whatever its engine. The StatefulSet engine ships
// prometheus.yml and the rule files in ConfigMap prometheus-config. The
// operator engine ships PrometheusRules, which the operator loads as rule
// files (their spec is a rule file), and ScrapeConfigs, from which it
// writes prometheus.yml itself: for those the tests read the scrape jobs
// of the same spec rendered on the StatefulSet engine (its twin), and
// TestPrometheusOperatorTargets proves, for every example on the operator
// engine, that the ScrapeConfigs scrape exactly the twin's jobs, as
// TestPrometheusOperatorRules proves the PrometheusRules are exactly the
// twin's rule files.

// promStack is what an example's Prometheus loads.
type promStack struct {
	// Config is prometheus.yml: the ConfigMap's, or the twin's for the
	// operator engine.
	Config []byte
	// Rules are the rule files by name (general.rules.yml): the
	// ConfigMap's, or the specs of the PrometheusRules the Prometheus
	// selects, each named after its resource.
	Rules map[string][]byte
}

// prometheusStack returns what the example's Prometheus loads, read from
// the objects its prometheus folder builds.
func prometheusStack(t *testing.T, ex example) promStack {
	t.Helper()
	m := ex.plan.Services.Monitoring
	if m == nil {
		t.Fatalf("%s has no monitoring", ex.name)
	}
	dir := monitoringDir + "/prometheus"
	built, err := render.BuildKustomizations(ex.tree, []string{dir})
	if err != nil {
		t.Fatalf("%s: %v", ex.name, err)
	}
	objs, err := manifest.Decode(built[dir])
	if err != nil {
		t.Fatalf("%s: %s: %v", ex.name, dir, err)
	}
	if m.Operator == nil {
		s := configMapStack(t, ex.name, objs)
		if s.Config == nil {
			t.Fatalf("%s: ConfigMap prometheus-config has no prometheus.yml", ex.name)
		}
		return s
	}
	s := promStack{Rules: selectedRules(t, ex.name, objs)}
	s.Config = configMapStack(t, ex.name+" (StatefulSet twin)", statefulSetTwin(t, ex.path).objs).Config
	return s
}

// configMapStack reads prometheus.yml and the rule files from ConfigMap
// prometheus-config (its name carries kustomize's hash).
func configMapStack(t *testing.T, name string, objs []manifest.Object) promStack {
	t.Helper()
	for _, o := range objs {
		cm, ok := o.Object.(*corev1.ConfigMap)
		if !ok || !strings.HasPrefix(cm.Name, "prometheus-config") {
			continue
		}
		s := promStack{Rules: map[string][]byte{}}
		for k, v := range cm.Data {
			switch {
			case k == "prometheus.yml":
				s.Config = []byte(v)
			case strings.HasSuffix(k, ".rules.yml"):
				s.Rules[k] = []byte(v)
			}
		}
		return s
	}
	t.Fatalf("%s: no ConfigMap prometheus-config", name)
	return promStack{}
}

// selectedRules returns the specs of the PrometheusRules of objs that its
// Prometheus selects, as rule files named NAME.rules.yml.
func selectedRules(t *testing.T, name string, objs []manifest.Object) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, u := range selectedBy(t, name, objs, "PrometheusRule", "rule") {
		b, err := yaml.Marshal(u.Object["spec"])
		if err != nil {
			t.Fatal(err)
		}
		out[u.GetName()+".rules.yml"] = b
	}
	return out
}

// selectedBy returns the objects of kind (PrometheusRule, ScrapeConfig)
// that the one Prometheus of objs selects: by its spec.<field>Selector, in
// its own namespace (the resource sets no <field>NamespaceSelector). One
// it does not select fails the test: the operator would ignore it.
func selectedBy(t *testing.T, name string, objs []manifest.Object, kind, field string) []*unstructured.Unstructured {
	t.Helper()
	var prom *unstructured.Unstructured
	for _, o := range objs {
		if u, ok := o.Object.(*unstructured.Unstructured); ok && o.GVK.Kind == "Prometheus" {
			if prom != nil {
				t.Fatalf("%s: two Prometheus resources", name)
			}
			prom = u
		}
	}
	if prom == nil {
		t.Fatalf("%s: no Prometheus resource", name)
	}
	if _, set, _ := unstructured.NestedFieldNoCopy(prom.Object, "spec", field+"NamespaceSelector"); set {
		t.Fatalf("%s: the Prometheus has a %sNamespaceSelector; this helper reads its own namespace only", name, field)
	}
	match, _, err := unstructured.NestedStringMap(prom.Object, "spec", field+"Selector", "matchLabels")
	if err != nil || len(match) == 0 {
		t.Fatalf("%s: the Prometheus selects %s by %v (%v)", name, kind, match, err)
	}
	sel := labels.SelectorFromSet(match)
	var out []*unstructured.Unstructured
	for _, o := range objs {
		u, ok := o.Object.(*unstructured.Unstructured)
		if !ok || o.GVK.Kind != kind {
			continue
		}
		if u.GetNamespace() != prom.GetNamespace() || !sel.Matches(labels.Set(u.GetLabels())) {
			t.Errorf("%s: the Prometheus does not select %s %s/%s (%sSelector %v, labels %v)", name, kind, u.GetNamespace(), u.GetName(), field, match, u.GetLabels())
			continue
		}
		out = append(out, u)
	}
	return out
}

// monitoringBlock is a spec's top-level monitoring block.
var monitoringBlock = regexp.MustCompile(`(?ms)^monitoring \{\n.*?^\}\n`)

// onStatefulSets returns a spec's text with its monitoring block on the
// StatefulSet engine: the block without its engine line. Other blocks'
// engines stay.
func onStatefulSets(t *testing.T, path, src string) string {
	t.Helper()
	at := monitoringBlock.FindStringIndex(src)
	if at == nil {
		t.Fatalf("%s has no top-level monitoring block", path)
	}
	block := src[at[0]:at[1]]
	if n := len(promopEngineLine.FindAllString(block, -1)); n != 1 {
		t.Fatalf("%s's monitoring block has %d engine lines, want one", path, n)
	}
	return src[:at[0]] + promopEngineLine.ReplaceAllString(block, "") + src[at[1]:]
}

var twins struct {
	sync.Mutex
	cases map[string]*kafkaCase
}

// statefulSetTwin renders the spec at path with its monitoring on the
// StatefulSet engine (and without an images lock, which a temporary copy
// could not find), once per test binary; the tests only read it.
func statefulSetTwin(t *testing.T, path string) *kafkaCase {
	t.Helper()
	twins.Lock()
	defer twins.Unlock()
	if c, ok := twins.cases[path]; ok {
		return c
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	twin := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(path), ".hcl")+"-statefulset.hcl")
	if err := os.WriteFile(twin, []byte(onStatefulSets(t, path, string(unlocked(b)))), 0o644); err != nil {
		t.Fatal(err)
	}
	// Only the capacity forecast's warnings are allowed, and logged: the
	// operator engine's test spec places more replicas than a zone loss
	// leaves room for, on either engine (TestPrometheusOperatorForecast
	// compares the two).
	ex, diags := renderWarned(t, twin)
	for _, d := range diags {
		if !strings.HasPrefix(string(validate.CodeOf(d)), "capacity-") {
			t.Fatalf("%s must validate without warnings but the forecast's: %s: %s", twin, d.Summary, d.Detail)
		}
		t.Logf("%s: warning: %s", twin, d.Summary)
	}
	c := &kafkaCase{plan: ex.plan, tree: ex.tree, objs: rootObjects(t, ex)}
	if m := c.plan.Services.Monitoring; m == nil || m.Operator != nil {
		t.Fatalf("%s's twin does not run monitoring on the StatefulSet engine", path)
	}
	if twins.cases == nil {
		twins.cases = map[string]*kafkaCase{}
	}
	twins.cases[path] = c
	return c
}

// operatorMonitoringPods returns the workloads prometheus-operator makes
// from the example's Prometheus and Alertmanager, as the forecast reads
// them from the resources (none for the StatefulSet engine).
func operatorMonitoringPods(t *testing.T, ex example) []*forecast.Workload {
	t.Helper()
	if ex.plan.Services.Monitoring == nil || ex.plan.Services.Monitoring.Operator == nil {
		return nil
	}
	out := operatorWorkloads(t, ex, forecast.OperatorPrometheus)
	if len(out) != 2 {
		t.Fatalf("%s: the forecast has %d workloads of prometheus-operator, want Prometheus' and Alertmanager's", ex.name, len(out))
	}
	return out
}

// operatorWorkloads returns the forecast's workloads that the named
// operators make from the example's resources.
func operatorWorkloads(t *testing.T, ex example, operators ...string) []*forecast.Workload {
	t.Helper()
	var out []*forecast.Workload
	for _, w := range exampleForecast(t, ex).Workloads {
		if slices.Contains(operators, w.Operator) {
			out = append(out, w)
		}
	}
	return out
}

// operatorContainerPorts are the ports prometheus-operator v0.85.0 gives
// the containers of the pods it makes, by container name, for resources
// that set neither portName nor listenLocal: Prometheus' web port 9090
// (pkg/prometheus MakeContainerPorts), Alertmanager's web port 9093 and its
// cluster mesh on 9094 over TCP and UDP (pkg/alertmanager), the config
// reloader's reloader-web on 8080 (pkg/operator).
var operatorContainerPorts = map[string][]corev1.ContainerPort{
	"prometheus": {{Name: "web", ContainerPort: 9090, Protocol: corev1.ProtocolTCP}},
	"alertmanager": {{Name: "web", ContainerPort: 9093, Protocol: corev1.ProtocolTCP},
		{Name: "mesh-tcp", ContainerPort: 9094, Protocol: corev1.ProtocolTCP}, {Name: "mesh-udp", ContainerPort: 9094, Protocol: corev1.ProtocolUDP}},
	"config-reloader": {{Name: "reloader-web", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
}

// addOperatorPods adds to the simulated cluster the pods
// prometheus-operator makes of the tree's Prometheus and Alertmanager and
// ECK of its Elasticsearch and Kibana (none on the StatefulSet engines):
// the forecast's workloads, prometheus-operator's containers with the
// operator's ports. Strimzi's pods stay out (addStrimziExporter adds the
// exporter its rules read).
func (e *promEnv) addOperatorPods(addr func() string) {
	for _, o := range e.objects {
		if o.GVK.Kind != "Prometheus" && o.GVK.Kind != "Alertmanager" {
			continue
		}
		spec, _ := o.Object.(*unstructured.Unstructured).Object["spec"].(map[string]any)
		for _, field := range []string{"portName", "listenLocal"} {
			if _, set := spec[field]; set {
				e.t.Fatalf("%s: %s sets %s; operatorContainerPorts assumes the operator's default", e.ex.name, o, field)
			}
		}
	}
	for _, w := range operatorWorkloads(e.t, e.ex, forecast.OperatorPrometheus, forecast.OperatorECK) {
		spec := *w.Template.Spec.DeepCopy()
		if w.Operator == forecast.OperatorPrometheus {
			for i, c := range spec.Containers {
				ports, ok := operatorContainerPorts[c.Name]
				if !ok {
					e.t.Fatalf("%s: %s has container %s, whose ports operatorContainerPorts does not know", e.ex.name, w, c.Name)
				}
				spec.Containers[i].Ports = ports
			}
		}
		e.addPods(w.Namespace, w.Name, w.Kind, w.Template.Labels, w.Template.Annotations, spec, w.Replicas, addr)
		e.operatorMade = append(e.operatorMade, w)
	}
}

// searchPods are the search cluster's pods: StatefulSet l.Search's, or on
// ECK those of the StatefulSet it makes of the Elasticsearch's node set
// (l.ECK.StatefulSet).
func (e *promEnv) searchPods() []simPod {
	l := e.ex.plan.Services.Logging
	if l.ECK == nil {
		return e.Pods(l.Namespace, l.Search)
	}
	return e.Pods(l.Namespace, l.ECK.StatefulSet)
}
