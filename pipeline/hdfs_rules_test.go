package pipeline_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/plan"
)

// hdfsRules is the alert rule file for HDFS.
const hdfsRules = "manifests/monitoring/prometheus/hdfs.rules.yml"

// hdfsRuleFile is hdfs.rules.yml, the fields the test reads.
type hdfsRuleFile struct {
	Groups []struct {
		Name  string `json:"name"`
		Rules []hdfsRule
	} `json:"groups"`
}

type hdfsRule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr"`
	For         string            `json:"for"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// nameNodeSeries is a series as Prometheus stores it from a NameNode pod's
// /prom: the scrape job's labels (kubernetes-pods: instance, namespace,
// pod, node) and the record's tags, lowercased, that Hadoop 3.4's
// PrometheusMetricsSink writes as labels (FSNamesystem: context, hastate,
// totalsynctimes, hostname).
func nameNodeSeries(metric, namespace string, ordinal int, hastate string) string {
	pod := fmt.Sprintf("namenode-%d", ordinal)
	labels := fmt.Sprintf(`job="kubernetes-pods",instance="10.128.%d.7:%d",namespace=%q,pod=%q,node="hdfs-az%d-1"`,
		ordinal, plan.NameNodeHTTPPort, namespace, pod, ordinal+1)
	if metric != "up" {
		labels += fmt.Sprintf(`,context="dfs",hastate=%q,totalsynctimes="12 ",hostname=%q`, hastate, pod)
	}
	return metric + "{" + labels + "}"
}

// promAlert is an alert promtool must (or must not) see at a time.
type promAlert struct {
	at     string            // eval_time
	name   string            // alertname
	labels map[string]string // nil: the alert must not fire
	value  string            // what {{ $value }} expands to
}

// TestHDFSRules checks the HDFS alerts: that the series they read are what
// the rendered scrape path produces (the sink on, the NameNode pods
// annotated for /prom on their web port, job kubernetes-pods), then runs
// promtool check rules, and promtool test rules with input series carrying
// those label sets: each alert fires on a bad input and stays silent on a
// good one. Before this test no HDFS alert existed: two NameNodes stuck
// in standby went unnoticed.
func TestHDFSRules(t *testing.T) {
	// hdfs-spark with a single NameNode, for the rules' single form.
	src, err := os.ReadFile(hsSpecs[0])
	if err != nil {
		t.Fatal(err)
	}
	single := strings.Replace(string(src), "namenode_ha          = true", "namenode_ha          = false", 1)
	if single == string(src) {
		t.Fatalf("%s no longer sets namenode_ha as this test expects", hsSpecs[0])
	}
	path := filepath.Join(t.TempDir(), "hdfs-spark-single.hcl")
	if err := os.WriteFile(path, []byte(single), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, err := hsRenderFile(path)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, c := range append(hsCases(t), sc) {
		h := c.plan.Workloads.HDFS
		if c.plan.Services.Monitoring == nil {
			if _, ok := c.tree[hdfsRules]; ok {
				t.Errorf("%s: without monitoring, %s must not be written", c.name, hdfsRules)
			}
			continue
		}
		checked++
		core := parseHadoopConf(t, c.name+": core-site.xml", c.file(t, "manifests/hdfs/core-site.xml"))
		if core["hadoop.prometheus.endpoint.enabled"] != "true" {
			t.Errorf("%s: core-site.xml does not turn on Hadoop's Prometheus sink (/prom)", c.name)
		}
		nn := hsObject[appsv1.StatefulSet](t, c, h.Namespace, "namenode")
		ann := nn.Spec.Template.Annotations
		if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/path"] != "/prom" || ann["prometheus.io/port"] != fmt.Sprint(plan.NameNodeHTTPPort) {
			t.Errorf("%s: the NameNode pods must be annotated for /prom on port %d, got %v", c.name, plan.NameNodeHTTPPort, ann)
		}
		jobs := map[string]bool{}
		var cfg struct {
			ScrapeConfigs []struct {
				JobName string `json:"job_name"`
			} `json:"scrape_configs"`
		}
		if err := yaml.Unmarshal(c.file(t, "manifests/monitoring/prometheus/prometheus.yml"), &cfg); err != nil {
			t.Fatal(err)
		}
		for _, s := range cfg.ScrapeConfigs {
			jobs[s.JobName] = true
		}
		if !jobs["kubernetes-pods"] {
			t.Fatalf("%s: prometheus.yml has no kubernetes-pods job to scrape the annotated NameNodes", c.name)
		}
		src := c.file(t, hdfsRules)
		var f hdfsRuleFile
		if err := yaml.UnmarshalStrict(src, &f); err != nil {
			t.Fatal(err)
		}
		rules := map[string]hdfsRule{}
		nsRe := regexp.MustCompile(`\bnamespace="([^"]*)"`)
		for _, g := range f.Groups {
			for _, r := range g.Rules {
				rules[r.Alert] = r
				if r.For == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
					t.Errorf("%s: %s needs for, a severity label, a summary and a description", c.name, r.Alert)
				}
				if !strings.Contains(r.Expr, `job="kubernetes-pods"`) {
					t.Errorf("%s: %s does not read job kubernetes-pods, which scrapes the NameNodes", c.name, r.Alert)
				}
				for _, m := range nsRe.FindAllStringSubmatch(r.Expr, -1) {
					if m[1] != h.Namespace {
						t.Errorf("%s: %s reads namespace %q, want %q", c.name, r.Alert, m[1], h.Namespace)
					}
				}
			}
		}
		want := []string{"HDFSMissingBlocks", "HDFSNameNodeDown", "HDFSNoActiveNameNode", "HDFSUnderReplicatedBlocks"}
		var got []string
		for name := range rules {
			got = append(got, name)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: HDFS alerts %v, want %v", c.name, got, want)
		}
		checkHDFSRulesWithPromtool(t, c.name, h, src, rules)
	}
	if checked == 0 {
		t.Error("no HDFS test spec with monitoring: the HDFS alerts go unchecked")
	}
	// Prometheus reaches the NameNodes' web port through every policy of
	// the tree (the namespaces' default-deny included).
	for _, ex := range examples(t) {
		h, m := ex.plan.Workloads.HDFS, ex.plan.Services.Monitoring
		if h == nil || m == nil {
			continue
		}
		prometheus := netPod{m.Namespace, labels.Set{"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/managed-by": "blueprint"}}
		namenode := netPod{h.Namespace, labels.Set{"app.kubernetes.io/name": "namenode", "app.kubernetes.io/managed-by": "blueprint"}}
		checkFlows(t, ex.name, networkPolicies(rootObjects(t, ex)), []netFlow{
			{"Prometheus scrapes a NameNode's /prom", prometheus, namenode, plan.NameNodeHTTPPort, true},
		})
	}
}

// checkHDFSRulesWithPromtool writes a promtool unit test for the rules:
// first a healthy NameNode pair (or single NameNode), then each failure.
func checkHDFSRulesWithPromtool(t *testing.T, name string, h *plan.HDFS, src []byte, rules map[string]hdfsRule) {
	t.Helper()
	promtool := tool(t, "promtool")
	ns := h.Namespace
	standby := "standby"
	if !h.HA {
		standby = "" // a single NameNode: no second pod
	}
	type series struct {
		Series string `json:"series"`
		Values string `json:"values"`
	}
	type testCase struct {
		name   string
		input  []series
		alerts []promAlert
	}
	// healthy is a NameNode pair (or one) reporting for an hour, with
	// overrides of the active NameNode's block counts and of who is up.
	healthy := func(missing, under, up0, up1, state0, state1 string) []series {
		in := []series{
			{nameNodeSeries("up", ns, 0, ""), up0},
			{nameNodeSeries("fs_namesystem_missing_blocks", ns, 0, state0), missing},
			{nameNodeSeries("fs_namesystem_under_replicated_blocks", ns, 0, state0), under},
		}
		if standby != "" {
			in = append(in,
				series{nameNodeSeries("up", ns, 1, ""), up1},
				// A standby's counts lag; they must not alert.
				series{nameNodeSeries("fs_namesystem_missing_blocks", ns, 1, state1), "7x60"},
				series{nameNodeSeries("fs_namesystem_under_replicated_blocks", ns, 1, state1), "40x60"})
		}
		return in
	}
	quiet := func(at string) []promAlert {
		var out []promAlert
		for n := range rules {
			out = append(out, promAlert{at: at, name: n})
		}
		slices.SortFunc(out, func(a, b promAlert) int { return strings.Compare(a.name, b.name) })
		return out
	}
	sev := func(alert string) string { return rules[alert].Labels["severity"] }
	cases := []testCase{
		{"healthy", healthy("0x60", "0x60", "1x60", "1x60", "active", standby), quiet("45m")},
		{"missing blocks on the active NameNode", healthy("0x5 3x55", "0x60", "1x60", "1x60", "active", standby), []promAlert{
			{at: "8m", name: "HDFSMissingBlocks"},
			{at: "15m", name: "HDFSMissingBlocks", labels: map[string]string{"namespace": ns, "severity": sev("HDFSMissingBlocks")}, value: "3"},
		}},
		{"under-replicated blocks for 30 minutes", healthy("0x60", "0x5 12x55", "1x60", "1x60", "active", standby), []promAlert{
			{at: "20m", name: "HDFSUnderReplicatedBlocks"},
			{at: "40m", name: "HDFSUnderReplicatedBlocks", labels: map[string]string{"namespace": ns, "severity": sev("HDFSUnderReplicatedBlocks")}, value: "12"},
		}},
		{"NameNode down", healthy("0x60", "0x60", "1x5 0x55", "1x60", "active", standby), []promAlert{
			{at: "20m", name: "HDFSNameNodeDown", labels: map[string]string{"severity": sev("HDFSNameNodeDown")}, value: fmt.Sprint(h.NameNodes - 1)},
		}},
	}
	if h.HA {
		cases = append(cases, testCase{"both NameNodes standby", healthy("0x60", "0x60", "1x60", "1x60", "standby", "standby"), []promAlert{
			{at: "20m", name: "HDFSNoActiveNameNode", labels: map[string]string{"job": "kubernetes-pods", "namespace": ns, "hastate": "active", "severity": sev("HDFSNoActiveNameNode")}},
			{at: "20m", name: "HDFSMissingBlocks"},
		}})
	}
	type expAlert struct {
		ExpLabels      map[string]string `json:"exp_labels"`
		ExpAnnotations map[string]string `json:"exp_annotations"`
	}
	type alertTest struct {
		EvalTime  string     `json:"eval_time"`
		Alertname string     `json:"alertname"`
		ExpAlerts []expAlert `json:"exp_alerts"`
	}
	type unitTest struct {
		Name          string      `json:"name"`
		Interval      string      `json:"interval"`
		InputSeries   []series    `json:"input_series"`
		AlertRuleTest []alertTest `json:"alert_rule_test"`
	}
	var tests []unitTest
	for _, tc := range cases {
		ut := unitTest{Name: tc.name, Interval: "1m", InputSeries: tc.input}
		for _, a := range tc.alerts {
			at := alertTest{EvalTime: a.at, Alertname: a.name, ExpAlerts: []expAlert{}}
			if a.labels != nil {
				anns := map[string]string{}
				for k, v := range rules[a.name].Annotations {
					anns[k] = strings.ReplaceAll(v, "{{ $value }}", a.value)
				}
				at.ExpAlerts = append(at.ExpAlerts, expAlert{ExpLabels: a.labels, ExpAnnotations: anns})
			}
			ut.AlertRuleTest = append(ut.AlertRuleTest, at)
		}
		tests = append(tests, ut)
	}
	doc := map[string]any{"rule_files": []string{"hdfs.rules.yml"}, "evaluation_interval": "1m", "tests": tests}
	b, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hdfs.rules.yml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	test := filepath.Join(dir, "hdfs.test.yml")
	if err := os.WriteFile(test, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out := run(t, promtool, "check", "rules", filepath.Join(dir, "hdfs.rules.yml"))
	if want := fmt.Sprintf("SUCCESS: %d rules found", len(rules)); !strings.Contains(out, want) {
		t.Errorf("%s: promtool check rules: want %q, got:\n%s", name, want, out)
	}
	if out := run(t, promtool, "test", "rules", test); !strings.Contains(out, "SUCCESS") {
		t.Errorf("%s: promtool test rules:\n%s", name, out)
	}
}
