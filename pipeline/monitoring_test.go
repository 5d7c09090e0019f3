package pipeline_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/manifest"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
)

const monitoringDir = "manifests/monitoring"

// monitoringCases returns every example that turns monitoring on, and for
// each example a copy with a full monitoring block (every receiver kind, a
// node pool, Ingresses, a receiver named "null" that must not swallow the
// Watchdog) and one with a minimal block, so the stack is tested whether or
// not blueprints/ turns it on.
func monitoringCases(t *testing.T) []example {
	t.Helper()
	var out []example
	for _, ex := range examples(t) {
		if ex.plan.Services.Monitoring != nil {
			out = append(out, ex)
			continue
		}
		src, err := os.ReadFile(ex.path)
		if err != nil {
			t.Fatal(err)
		}
		class := "monitoring-test"
		extra := ""
		if sc := ex.plan.Services.StorageClasses; len(sc) > 0 {
			class = sc[len(sc)-1].Name
		} else {
			extra += fmt.Sprintf("storage_class %q {\n  provisioner = \"kubernetes.io/no-provisioner\"\n}\n", class)
		}
		pool := ""
		if pools := ex.plan.Pools; len(pools) > 0 {
			pool = fmt.Sprintf("  node_pool = %q\n", pools[len(pools)-1].Name)
		}
		full := extra + `monitoring {
  storage_class       = "` + class + `"
  retention           = "30d"
  volume_size         = "200Gi"
  prometheus_replicas = 3
` + pool + `  receiver "platform" {
    webhook_url = "https://alerts.example.com/hooks/platform"
  }
  receiver "null" {
    email_to   = "oncall@example.com"
    smarthost  = "smtp.example.com:587"
    email_from = "alertmanager@example.com"
  }
  grafana {
    admin_secret = "grafana-admin-credentials"
  }
}
`
		if ex.plan.Services.Expose == nil {
			full += `expose {
  ingress_class        = "nginx"
  controller_namespace = "ingress-nginx"
  tls_secret           = "dashboards-tls"
  grafana              = "grafana.example.com"
  alertmanager         = "alertmanager.example.com"
  prometheus           = "prometheus.example.com"
}
`
		}
		minimal := extra + "monitoring {\n  storage_class = \"" + class + "\"\n}\n"
		out = append(out,
			renderSpecText(t, ex.name+"+monitoring", string(src)+"\n"+full),
			renderSpecText(t, ex.name+"+minimal-monitoring", string(src)+"\n"+minimal))
	}
	return out
}

// renderSpecText loads, validates and renders a spec given as text. Errors
// fail the test; warnings are logged, since the copies may, say, place more
// replicas than a pool has nodes.
func renderSpecText(t *testing.T, name, src string) example {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".hcl")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	p, tree, diags, err := renderLoaded(spec.NewLoader().Load(path, spec.Options{}))
	if diags.HasErrors() {
		t.Fatalf("%s must validate: %v", name, diags)
	}
	for _, d := range diags {
		t.Logf("%s: warning: %s: %s", name, d.Summary, d.Detail)
	}
	if err != nil {
		t.Fatalf("rendering %s: %v", name, err)
	}
	return example{name: name, path: path, plan: p, tree: tree}
}

// TestMonitoring checks the monitoring stack of every case: the Prometheus
// and Alertmanager configuration with the real promtool and amtool, that
// every job an alert names is scraped, the dashboards, and the workloads'
// objects. On the operator engine it reads what the Prometheus loads
// (prometheusStack) and checks the Prometheus and Alertmanager resources
// and the pods the operator makes of them instead of StatefulSets.
func TestMonitoring(t *testing.T) {
	for _, ex := range monitoringCases(t) {
		t.Run(ex.name, func(t *testing.T) {
			m := ex.plan.Services.Monitoring
			stack := prometheusStack(t, ex)
			prom := readPrometheusConfig(t, stack)
			rules := readRuleFiles(t, stack)
			if len(rules) == 0 {
				t.Fatal("Prometheus loads no rule file")
			}
			checkScrapeJobs(t, m, prom)
			checkRules(t, prom, rules)
			checkDashboards(t, ex.tree, prom, rules)
			checkAlertmanagerConfig(t, m, ex.tree)
			checkMonitoringObjects(t, ex)

			t.Run("promtool", func(t *testing.T) {
				promtool := tool(t, "promtool")
				// What Prometheus reads, as the ConfigMap mounts it: prometheus.yml
				// with the rule files beside it.
				promDir := t.TempDir()
				files := []string{filepath.Join(promDir, "prometheus.yml")}
				if err := os.WriteFile(files[0], stack.Config, 0o644); err != nil {
					t.Fatal(err)
				}
				for _, name := range slices.Sorted(maps.Keys(stack.Rules)) {
					files = append(files, filepath.Join(promDir, name))
					if err := os.WriteFile(files[len(files)-1], stack.Rules[name], 0o644); err != nil {
						t.Fatal(err)
					}
				}
				run(t, promtool, "check", "config", "--syntax-only", files[0])
				run(t, promtool, append([]string{"check", "rules"}, files[1:]...)...)
				// A full check follows rule_files: with the service account
				// paths pointed at test files, it proves the glob finds the
				// rule files beside prometheus.yml, as in the ConfigMap.
				sa := t.TempDir()
				for _, f := range []string{"token", "ca.crt"} {
					if err := os.WriteFile(filepath.Join(sa, f), []byte("test\n"), 0o600); err != nil {
						t.Fatal(err)
					}
				}
				cfg := files[0]
				b := []byte(strings.ReplaceAll(string(stack.Config), "/var/run/secrets/kubernetes.io/serviceaccount/", sa+"/"))
				if err := os.WriteFile(cfg, b, 0o644); err != nil {
					t.Fatal(err)
				}
				out := run(t, promtool, "check", "config", cfg)
				if want := fmt.Sprintf("SUCCESS: %d rule files found", len(rules)); !strings.Contains(out, want) {
					t.Errorf("promtool check config: want %q, got:\n%s", want, out)
				}
			})
			t.Run("amtool", func(t *testing.T) {
				amtool := tool(t, "amtool")
				dir := writeTree(t, ex.tree, nil)
				run(t, amtool, "check-config", filepath.Join(dir, monitoringDir, "alertmanager", "alertmanager.yml"))
			})
		})
	}
}

// promConfig is the part of prometheus.yml the tests read.
type promConfig struct {
	RuleFiles     []string `json:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `json:"job_name"`
		Scheme        string `json:"scheme"`
		StaticConfigs []struct {
			Targets []string `json:"targets"`
		} `json:"static_configs"`
	} `json:"scrape_configs"`
}

func (c promConfig) jobs() map[string]bool {
	out := map[string]bool{}
	for _, s := range c.ScrapeConfigs {
		out[s.JobName] = true
	}
	return out
}

func readPrometheusConfig(t *testing.T, stack promStack) promConfig {
	t.Helper()
	var c promConfig
	if err := yaml.Unmarshal(stack.Config, &c); err != nil {
		t.Fatalf("prometheus.yml: %v", err)
	}
	return c
}

// ruleFile is a Prometheus rule file.
type ruleFile struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []struct {
			Alert       string            `json:"alert"`
			Record      string            `json:"record"`
			Expr        string            `json:"expr"`
			For         *string           `json:"for"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"rules"`
	} `json:"groups"`
}

// readRuleFiles parses the rule files Prometheus loads, by name.
func readRuleFiles(t *testing.T, stack promStack) map[string]ruleFile {
	t.Helper()
	out := map[string]ruleFile{}
	for name, b := range stack.Rules {
		var f ruleFile
		if err := yaml.UnmarshalStrict(b, &f); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		out[name] = f
	}
	return out
}

// checkScrapeJobs checks that the jobs the stack depends on exist and that
// the static ones list the plan's machines.
func checkScrapeJobs(t *testing.T, m *plan.Monitoring, c promConfig) {
	t.Helper()
	jobs := c.jobs()
	for _, want := range []string{"apiserver", "kubelet", "cadvisor", "etcd", "kube-scheduler", "kube-controller-manager",
		"kube-proxy", "node-exporter", "kube-state-metrics", "kubernetes-pods"} {
		if !jobs[want] {
			t.Errorf("prometheus.yml has no %q job", want)
		}
	}
	if len(jobs) != len(c.ScrapeConfigs) {
		t.Errorf("prometheus.yml repeats a job_name")
	}
	if !slices.Contains(c.RuleFiles, "*.rules.yml") {
		t.Errorf("prometheus.yml rule_files = %v, want the *.rules.yml beside it", c.RuleFiles)
	}
	targets := func(job string) []string {
		var out []string
		for _, s := range c.ScrapeConfigs {
			if s.JobName == job {
				for _, sc := range s.StaticConfigs {
					out = append(out, sc.Targets...)
				}
			}
		}
		return out
	}
	if got := targets("etcd"); strings.Join(got, ",") != strings.Join(m.EtcdTargets, ",") {
		t.Errorf("etcd targets %v, want the plan's %v", got, m.EtcdTargets)
	}
	for job, port := range map[string]int{"kube-scheduler": plan.SchedulerPort, "kube-controller-manager": plan.ControllerMgrPort} {
		var want []string
		for _, a := range m.ControlPlaneAddresses {
			want = append(want, plan.HostPort(a, port))
		}
		if got := targets(job); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s targets %v, want %v", job, got, want)
		}
	}
}

// jobMatcher finds job="…" and job=~"…" in PromQL.
var jobMatcher = regexp.MustCompile(`\bjob\s*(=~|=)\s*"([^"]*)"`)

// checkRules checks that every alert carries what on-call needs, that the
// required alerts exist, and that every job a rule names is scraped.
func checkRules(t *testing.T, c promConfig, rules map[string]ruleFile) {
	t.Helper()
	jobs := c.jobs()
	alerts := map[string]bool{}
	for file, f := range rules {
		if len(f.Groups) == 0 {
			t.Errorf("%s has no rule groups", file)
		}
		for _, g := range f.Groups {
			for _, r := range g.Rules {
				what := file + ": " + r.Alert + r.Record
				for _, m := range jobMatcher.FindAllStringSubmatch(r.Expr, -1) {
					if !jobMatched(m[1], m[2], jobs) {
						t.Errorf("%s uses job%s%q, which no scrape job of prometheus.yml matches", what, m[1], m[2])
					}
				}
				if r.Alert == "" {
					continue
				}
				alerts[r.Alert] = true
				if r.Labels["severity"] == "" {
					t.Errorf("%s has no severity label", what)
				}
				if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
					t.Errorf("%s needs summary and description annotations", what)
				}
				if r.For == nil || *r.For == "" {
					t.Errorf("%s has no for", what)
				}
			}
		}
	}
	for _, want := range []string{"EtcdMembersDown", "EtcdInsufficientMembers", "EtcdQuorumAtRisk", "EtcdNoLeader",
		"EtcdHighFsyncDurations", "KubeAPIDown", "KubeAPIErrorBudgetBurn", "KubeNodeNotReady", "KubeletDown",
		"KubeSchedulerDown", "KubeControllerManagerDown", "TargetDown", "Watchdog"} {
		if !alerts[want] {
			t.Errorf("no %s alert", want)
		}
	}
}

func jobMatched(op, value string, jobs map[string]bool) bool {
	if op == "=" {
		return jobs[value]
	}
	re, err := regexp.Compile("^(?:" + value + ")$")
	if err != nil {
		return false
	}
	for j := range jobs {
		if re.MatchString(j) {
			return true
		}
	}
	return false
}

// recordedName finds level:metric:operations names in PromQL.
var recordedName = regexp.MustCompile(`\b[a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_:]+\b`)

// checkDashboards checks that each dashboard is valid JSON that the
// kustomization ships, and that its queries name only scraped jobs and
// recorded series.
func checkDashboards(t *testing.T, tree render.Tree, c promConfig, rules map[string]ruleFile) {
	t.Helper()
	jobs := c.jobs()
	recorded := map[string]bool{}
	for _, f := range rules {
		for _, g := range f.Groups {
			for _, r := range g.Rules {
				if r.Record != "" {
					recorded[r.Record] = true
				}
			}
		}
	}
	kustomization := string(tree[monitoringDir+"/grafana/kustomization.yaml"])
	n := 0
	for _, p := range tree.Paths() {
		if !strings.HasPrefix(p, monitoringDir+"/grafana/") || !strings.HasSuffix(p, ".json") {
			continue
		}
		n++
		rel := strings.TrimPrefix(p, monitoringDir+"/grafana/")
		if !strings.Contains(kustomization, "- "+rel+"\n") {
			t.Errorf("%s is not in the grafana-dashboards ConfigMap", p)
		}
		var d struct {
			UID    string `json:"uid"`
			Title  string `json:"title"`
			Panels []struct {
				Title   string `json:"title"`
				Targets []struct {
					Expr string `json:"expr"`
				} `json:"targets"`
			} `json:"panels"`
		}
		if err := json.Unmarshal(tree[p], &d); err != nil {
			t.Errorf("%s is not valid JSON: %v", p, err)
			continue
		}
		if d.UID == "" || d.Title == "" || len(d.Panels) == 0 {
			t.Errorf("%s needs a uid, a title and panels", p)
		}
		for _, panel := range d.Panels {
			if len(panel.Targets) == 0 {
				t.Errorf("%s: panel %q has no query", p, panel.Title)
			}
			for _, q := range panel.Targets {
				for _, m := range jobMatcher.FindAllStringSubmatch(q.Expr, -1) {
					if !jobMatched(m[1], m[2], jobs) {
						t.Errorf("%s: panel %q queries job%s%q, which no scrape job matches", p, panel.Title, m[1], m[2])
					}
				}
				if !jobMatcher.MatchString(q.Expr) {
					for _, name := range recordedName.FindAllString(q.Expr, -1) {
						if !recorded[name] {
							t.Errorf("%s: panel %q queries %s, which no recording rule records", p, panel.Title, name)
						}
					}
					if len(recordedName.FindAllString(q.Expr, -1)) == 0 {
						t.Errorf("%s: panel %q query %q names no job: say which scrape job it reads", p, panel.Title, q.Expr)
					}
				}
			}
		}
	}
	if n < 4 {
		t.Errorf("%d Grafana dashboards, want at least 4 (cluster resources, API server, etcd, nodes)", n)
	}
}

// checkAlertmanagerConfig checks the receivers and routes against the plan.
func checkAlertmanagerConfig(t *testing.T, m *plan.Monitoring, tree render.Tree) {
	t.Helper()
	b := tree[monitoringDir+"/alertmanager/alertmanager.yml"]
	var c struct {
		Route struct {
			Receiver string   `json:"receiver"`
			GroupBy  []string `json:"group_by"`
			Routes   []struct {
				Receiver string   `json:"receiver"`
				Matchers []string `json:"matchers"`
			} `json:"routes"`
		} `json:"route"`
		Receivers []struct {
			Name           string           `json:"name"`
			WebhookConfigs []map[string]any `json:"webhook_configs"`
			EmailConfigs   []map[string]any `json:"email_configs"`
		} `json:"receivers"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("alertmanager.yml: %v", err)
	}
	if c.Route.Receiver != m.DefaultReceiver {
		t.Errorf("root route goes to %q, want %q", c.Route.Receiver, m.DefaultReceiver)
	}
	if strings.Join(c.Route.GroupBy, ",") != "alertname,namespace" {
		t.Errorf("root route groups by %v, want [alertname namespace]", c.Route.GroupBy)
	}
	byName := map[string]int{}
	for i, r := range c.Receivers {
		byName[r.Name] = i
	}
	watchdog := ""
	for _, r := range c.Route.Routes {
		if slices.Contains(r.Matchers, `alertname = "Watchdog"`) {
			watchdog = r.Receiver
		}
	}
	if i, ok := byName[watchdog]; !ok || len(c.Receivers[i].WebhookConfigs)+len(c.Receivers[i].EmailConfigs) > 0 {
		t.Errorf("the Watchdog goes to %q, want a receiver without a target", watchdog)
	}
	for _, want := range m.Receivers {
		i, ok := byName[want.Name]
		if !ok {
			t.Errorf("receiver %q is missing", want.Name)
			continue
		}
		got := c.Receivers[i]
		switch {
		case want.WebhookURL != "":
			if len(got.WebhookConfigs) != 1 || got.WebhookConfigs[0]["url"] != want.WebhookURL {
				t.Errorf("receiver %q: webhook_configs %v, want url %q", want.Name, got.WebhookConfigs, want.WebhookURL)
			}
		case want.EmailTo != "":
			if len(got.EmailConfigs) != 1 {
				t.Errorf("receiver %q: email_configs %v, want one", want.Name, got.EmailConfigs)
				continue
			}
			e := got.EmailConfigs[0]
			if e["to"] != want.EmailTo || e["from"] != want.EmailFrom || e["smarthost"] != want.Smarthost || e["require_tls"] != true {
				t.Errorf("receiver %q: email_configs %v, want to, from, smarthost of the spec and require_tls", want.Name, e)
			}
			for k := range e {
				if strings.Contains(k, "password") && k != "auth_password_file" {
					t.Errorf("receiver %q carries %s: credentials never belong in the output", want.Name, k)
				}
			}
		}
	}
}

// checkMonitoringObjects builds the monitoring kustomization and each of its
// folders on its own, and checks the workloads, selectors, policies and
// Ingresses against the plan.
func checkMonitoringObjects(t *testing.T, ex example) {
	t.Helper()
	m := ex.plan.Services.Monitoring
	folders := []string{"prometheus", "alertmanager", "grafana", "exporters"}
	dirs := []string{monitoringDir}
	for _, f := range folders {
		dirs = append(dirs, monitoringDir+"/"+f)
	}
	built, err := render.BuildKustomizations(ex.tree, dirs)
	if err != nil {
		t.Fatalf("each monitoring folder must build on its own: %v", err)
	}
	objs, err := manifest.Decode(built[monitoringDir])
	if err != nil {
		t.Fatalf("%s: %v", monitoringDir, err)
	}
	count := 0
	for _, f := range folders {
		sub, err := manifest.Decode(built[monitoringDir+"/"+f])
		if err != nil {
			t.Fatalf("%s/%s: %v", monitoringDir, f, err)
		}
		count += len(sub)
	}
	if count != len(objs) {
		t.Errorf("the folders build %d objects, %s %d", count, monitoringDir, len(objs))
	}

	images := map[string]bool{}
	for _, img := range ex.plan.Services.Images {
		images[img.Ref] = true
	}
	var podLabels []labels.Set
	byName := map[string]manifest.Object{}
	for _, o := range objs {
		byName[o.GVK.Kind+"/"+o.Name] = o
		if sec, ok := o.Object.(*corev1.Secret); ok {
			// Only the operator engine's Alertmanager configuration: the
			// rendered alertmanager.yml, which checkAlertmanagerConfig
			// checks for credentials.
			checkConfigSecret(t, ex, sec)
			if m.Operator == nil || sec.Name != m.Operator.AlertmanagerConfigSecret || len(sec.Data) != 1 ||
				string(sec.Data["alertmanager.yaml"]) != string(ex.tree[monitoringDir+"/alertmanager/alertmanager.yml"]) {
				t.Errorf("%s: the monitoring stack's one Secret is the operator's Alertmanager configuration, alertmanager.yml as key alertmanager.yaml", o)
			}
		}
		if o.Namespace != m.Namespace && o.GVK.Kind != "ClusterRole" && o.GVK.Kind != "ClusterRoleBinding" {
			t.Errorf("%s is not in namespace %q", o, m.Namespace)
		}
		tmpl, replicas := manifest.PodTemplate(o.Object)
		if tmpl == nil {
			continue
		}
		checkPod(t, o.String(), tmpl, replicas)
		checkMonitoringPod(t, o.String(), tmpl, images)
		podLabels = append(podLabels, labels.Set(tmpl.Labels))
	}
	// prometheus-operator's pods, as the forecast reads them from the
	// Prometheus and Alertmanager: the objects below must select them. Their
	// containers are the operator's (TestPrometheusOperatorRuns runs them).
	for _, w := range operatorMonitoringPods(t, ex) {
		podLabels = append(podLabels, labels.Set(w.Template.Labels))
	}
	selects := func(ls *metav1.LabelSelector) bool {
		sel, err := metav1.LabelSelectorAsSelector(ls)
		if err != nil || sel.Empty() {
			return false
		}
		for _, l := range podLabels {
			if sel.Matches(l) {
				return true
			}
		}
		return false
	}

	for _, o := range objs {
		switch obj := o.Object.(type) {
		case *corev1.Service:
			if !selects(&metav1.LabelSelector{MatchLabels: obj.Spec.Selector}) {
				t.Errorf("%s selects no pod of the stack", o)
			}
		case *policyv1.PodDisruptionBudget:
			if !selects(obj.Spec.Selector) {
				t.Errorf("%s selects no pod of the stack", o)
			}
			if obj.Spec.MaxUnavailable == nil || obj.Spec.MaxUnavailable.IntValue() != 1 {
				t.Errorf("%s: want maxUnavailable 1", o)
			}
		case *networkingv1.NetworkPolicy:
			if !selects(&obj.Spec.PodSelector) {
				t.Errorf("%s applies to no pod of the stack", o)
			}
		}
	}

	// What Prometheus and Grafana load is what the ConfigMaps carry: every
	// rendered rule file and dashboard must be in one.
	shipped := map[string]bool{}
	for _, o := range objs {
		if cm, ok := o.Object.(*corev1.ConfigMap); ok {
			for key := range cm.Data {
				shipped[strings.SplitN(cm.Name, "-", 2)[0]+"/"+key] = true
			}
		}
	}
	for _, p := range ex.tree.Paths() {
		rel := strings.TrimPrefix(p, monitoringDir+"/")
		switch {
		case strings.HasPrefix(rel, "prometheus/") && (strings.HasSuffix(rel, ".rules.yml") || strings.HasSuffix(rel, "/prometheus.yml")):
			if !shipped["prometheus/"+filepath.Base(rel)] {
				t.Errorf("%s is rendered but not in the prometheus-config ConfigMap: list it in prometheus/kustomization.yaml", p)
			}
		case strings.HasPrefix(rel, "grafana/dashboards/"):
			if !shipped["grafana/"+filepath.Base(rel)] {
				t.Errorf("%s is rendered but not in the grafana-dashboards ConfigMap", p)
			}
		}
	}

	if m.Operator != nil {
		checkOperatorMonitoring(t, ex, byName)
	} else {
		checkMonitoringStatefulSets(t, m, byName)
	}

	// Grafana's admin account comes from the named Secret, by reference.
	grafana, ok := byName["Deployment/grafana"]
	if !ok {
		t.Fatal("no Deployment grafana")
	}
	refs := map[string]string{}
	for _, e := range grafana.Object.(*appsv1.Deployment).Spec.Template.Spec.Containers[0].Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			refs[e.ValueFrom.SecretKeyRef.Key] = e.ValueFrom.SecretKeyRef.Name
		}
	}
	if refs["admin-user"] != m.GrafanaAdminSecret || refs["admin-password"] != m.GrafanaAdminSecret {
		t.Errorf("grafana takes its admin account from %v, want Secret %q keys admin-user and admin-password", refs, m.GrafanaAdminSecret)
	}

	// Prometheus reaches the API and the node-level targets through the
	// node subnets.
	egress, ok := byName["NetworkPolicy/prometheus-egress"]
	if !ok {
		t.Fatal("no NetworkPolicy prometheus-egress")
	}
	var ports, cidrs []string
	for _, rule := range egress.Object.(*networkingv1.NetworkPolicy).Spec.Egress {
		for _, peer := range rule.To {
			if peer.IPBlock == nil {
				continue
			}
			cidrs = append(cidrs, peer.IPBlock.CIDR)
			for _, p := range rule.Ports {
				ports = append(ports, p.Port.String())
			}
		}
	}
	if strings.Join(dedupe(cidrs), ",") != strings.Join(dedupe(ex.plan.NodeSubnets), ",") {
		t.Errorf("prometheus-egress reaches %v, want the node subnets %v", cidrs, ex.plan.NodeSubnets)
	}
	for _, want := range append([]int{plan.KubeletPort, 9100, plan.EtcdMetricsPort, plan.SchedulerPort, plan.ControllerMgrPort,
		plan.KubeProxyMetrics, plan.APIServerPort}, ex.plan.Endpoint.Port) {
		if !slices.Contains(ports, strconv.Itoa(want)) {
			t.Errorf("prometheus-egress does not open port %d to the nodes (has %v)", want, ports)
		}
	}

	// Ingresses exactly for the exposed hosts; TestGateway checks the
	// HTTPRoutes of a Gateway instead.
	expose := ex.plan.Services.Expose
	if expose != nil && expose.Gateway != "" {
		return
	}
	for name, host := range map[string]string{"grafana": exposedHost(expose, "grafana"), "alertmanager": exposedHost(expose, "alertmanager"),
		"prometheus": exposedHost(expose, "prometheus")} {
		o, ok := byName["Ingress/"+name]
		if host == "" {
			if ok {
				t.Errorf("%s is not exposed but has an Ingress", name)
			}
			continue
		}
		if !ok {
			t.Errorf("%s is exposed at %s but has no Ingress", name, host)
			continue
		}
		ing := o.Object.(*networkingv1.Ingress)
		if ing.Spec.IngressClassName == nil || *ing.Spec.IngressClassName != expose.IngressClass ||
			len(ing.Spec.TLS) != 1 || ing.Spec.TLS[0].SecretName != expose.TLSSecret ||
			len(ing.Spec.Rules) != 1 || ing.Spec.Rules[0].Host != host {
			t.Errorf("%s: want class %s, host %s and TLS Secret %s", o, expose.IngressClass, host, expose.TLSSecret)
		}
	}
}

// checkMonitoringStatefulSets checks the StatefulSet engine's Prometheus
// and Alertmanager against the plan.
func checkMonitoringStatefulSets(t *testing.T, m *plan.Monitoring, byName map[string]manifest.Object) {
	t.Helper()
	sts := func(name string) *appsv1.StatefulSet {
		o, ok := byName["StatefulSet/"+name]
		if !ok {
			t.Fatalf("no StatefulSet %s", name)
		}
		return o.Object.(*appsv1.StatefulSet)
	}
	prom := sts("prometheus")
	if int(*prom.Spec.Replicas) != m.PrometheusReplicas || m.PrometheusReplicas < 2 {
		t.Errorf("prometheus has %d replicas, want the plan's %d (at least 2)", *prom.Spec.Replicas, m.PrometheusReplicas)
	}
	args := strings.Join(prom.Spec.Template.Spec.Containers[0].Args, " ")
	if !strings.Contains(args, "--storage.tsdb.retention.time="+m.Retention) {
		t.Errorf("prometheus args %q lack the retention %s", args, m.Retention)
	}
	if vct := prom.Spec.VolumeClaimTemplates; len(vct) != 1 || vct[0].Spec.StorageClassName == nil ||
		*vct[0].Spec.StorageClassName != m.StorageClass || vct[0].Spec.Resources.Requests.Storage().String() != m.VolumeSize {
		t.Errorf("prometheus volumes %+v, want %s of class %s", vct, m.VolumeSize, m.StorageClass)
	}
	am := sts("alertmanager")
	if int(*am.Spec.Replicas) != m.AlertmanagerReplicas {
		t.Errorf("alertmanager has %d replicas, want %d", *am.Spec.Replicas, m.AlertmanagerReplicas)
	}
	peers := 0
	for _, a := range am.Spec.Template.Spec.Containers[0].Args {
		if strings.HasPrefix(a, "--cluster.peer=") && strings.Contains(a, "."+am.Spec.ServiceName+".") {
			peers++
		}
	}
	if peers != m.AlertmanagerReplicas {
		t.Errorf("alertmanager has %d --cluster.peer flags through its headless service, want one per replica (%d)", peers, m.AlertmanagerReplicas)
	}
	if svc, ok := byName["Service/"+am.Spec.ServiceName]; !ok || svc.Object.(*corev1.Service).Spec.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("alertmanager's serviceName %q is not a headless Service of the stack", am.Spec.ServiceName)
	}
}

// checkOperatorMonitoring checks the operator engine's Prometheus and
// Alertmanager resources against the plan, and that the forecast counts
// the pods the operator makes of them as many as the plan wants
// (TestPrometheusOperatorSameSettings compares the rest with the
// StatefulSet engine).
func checkOperatorMonitoring(t *testing.T, ex example, byName map[string]manifest.Object) {
	t.Helper()
	m, o := ex.plan.Services.Monitoring, ex.plan.Services.Monitoring.Operator
	// The fields this test reads of a resource's spec (asJSON is strict).
	spec := func(kind string, keys ...string) map[string]any {
		x, ok := byName[kind+"/"+o.Name]
		if !ok {
			t.Fatalf("no %s %s", kind, o.Name)
		}
		all, _ := x.Object.(*unstructured.Unstructured).Object["spec"].(map[string]any)
		out := map[string]any{}
		for _, k := range keys {
			if v, ok := all[k]; ok {
				out[k] = v
			}
		}
		return out
	}
	var prom struct {
		Replicas  int
		Retention string
		Storage   struct {
			VolumeClaimTemplate struct {
				Metadata struct{ Labels map[string]string }
				Spec     corev1.PersistentVolumeClaimSpec
			}
		}
	}
	asJSON(t, spec("Prometheus", "replicas", "retention", "storage"), &prom)
	if prom.Replicas != m.PrometheusReplicas || m.PrometheusReplicas < 2 {
		t.Errorf("the Prometheus has %d replicas, want the plan's %d (at least 2)", prom.Replicas, m.PrometheusReplicas)
	}
	if prom.Retention != m.Retention {
		t.Errorf("the Prometheus keeps %q, want the retention %s", prom.Retention, m.Retention)
	}
	if c := prom.Storage.VolumeClaimTemplate.Spec; c.StorageClassName == nil || *c.StorageClassName != m.StorageClass ||
		c.Resources.Requests.Storage().String() != m.VolumeSize {
		t.Errorf("the Prometheus' volumes %+v, want %s of class %s", c, m.VolumeSize, m.StorageClass)
	}
	var am struct{ Replicas int }
	asJSON(t, spec("Alertmanager", "replicas"), &am)
	if am.Replicas != m.AlertmanagerReplicas {
		t.Errorf("the Alertmanager has %d replicas, want %d", am.Replicas, m.AlertmanagerReplicas)
	}
	want := map[string]int{o.PrometheusStatefulSet: m.PrometheusReplicas, o.AlertmanagerStatefulSet: m.AlertmanagerReplicas}
	for _, w := range operatorMonitoringPods(t, ex) {
		if n, ok := want[w.Name]; !ok || w.Replicas != n || w.Namespace != m.Namespace {
			t.Errorf("the forecast counts %s with %d pods; want StatefulSets %v in %s", w, w.Replicas, want, m.Namespace)
		}
	}
}

// checkMonitoringPod checks what checkPod leaves out: limits on CPU, a
// read-only root, no capabilities, the RuntimeDefault seccomp profile and
// images from the plan.
func checkMonitoringPod(t *testing.T, what string, tmpl *corev1.PodTemplateSpec, images map[string]bool) {
	t.Helper()
	podSeccomp := tmpl.Spec.SecurityContext != nil && tmpl.Spec.SecurityContext.SeccompProfile != nil &&
		tmpl.Spec.SecurityContext.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault
	for _, c := range append(append([]corev1.Container{}, tmpl.Spec.InitContainers...), tmpl.Spec.Containers...) {
		if c.Resources.Limits.Cpu().IsZero() {
			t.Errorf("%s: container %s has no CPU limit", what, c.Name)
		}
		sc := c.SecurityContext
		if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s: container %s needs readOnlyRootFilesystem", what, c.Name)
		}
		if sc == nil || sc.Capabilities == nil || len(sc.Capabilities.Add) > 0 || !containsCap(sc.Capabilities.Drop, "ALL") {
			t.Errorf("%s: container %s must drop ALL capabilities and add none", what, c.Name)
		}
		if !podSeccomp && (sc == nil || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault) {
			t.Errorf("%s: container %s needs the RuntimeDefault seccomp profile", what, c.Name)
		}
		if !images[c.Image] {
			t.Errorf("%s: container %s runs %s, which is not one of the plan's images", what, c.Name, c.Image)
		}
	}
}

func containsCap(caps []corev1.Capability, want corev1.Capability) bool {
	for _, c := range caps {
		if c == want {
			return true
		}
	}
	return false
}

func exposedHost(e *plan.Expose, name string) string {
	switch {
	case e == nil:
		return ""
	case name == "grafana":
		return e.Grafana
	case name == "prometheus":
		return e.Prometheus
	default:
		return e.Alertmanager
	}
}

func dedupe(ss []string) []string {
	set := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !set[s] {
			set[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
