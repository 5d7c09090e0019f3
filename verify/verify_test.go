package verify_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/verify"
)

// options searches $BLUEPRINT_TOOLS first, as the root tests do.
func options(dir string) verify.Options {
	o := verify.Options{Dir: dir}
	if d := os.Getenv("BLUEPRINT_TOOLS"); d != "" {
		o.ToolDirs = []string{d}
	}
	return o
}

// requireTools applies the suite's policy to checks that could not run: in
// CI a missing program fails the test; on a developer machine the test is
// skipped and says so. Call it after asserting on the checks that ran.
func requireTools(t *testing.T, rep verify.Report) {
	t.Helper()
	var missing []string
	for _, c := range rep.Checks {
		if c.Result == verify.NotRun {
			missing = append(missing, c.Artifact+": "+c.Name+": "+c.Reason)
		}
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("checks could not run; .ci/run installs their programs (see ../shared/VALIDATORS.md):\n%s", strings.Join(missing, "\n"))
	}
	t.Skipf("SKIPPED, not passed: %d checks could not run here, for example %s; run .ci/run's install steps to check with them", len(missing), missing[0])
}

// TestRenderedTreesPass verifies every tree in out/ with the real programs:
// every artifact gets its checks, and they pass. out/fleet is a fleet: each
// member's tree under clusters/NAME/ gets the checks of a single tree, and
// the fleet's gitops/ (one ApplicationSet) the server-side dry run.
func TestRenderedTreesPass(t *testing.T) {
	dirs, _ := filepath.Glob("../out/*")
	if len(dirs) == 0 {
		t.Fatal("no rendered trees in out/")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			rep, err := verify.Run(context.Background(), options(dir))
			if err != nil {
				t.Fatal(err)
			}
			owned, err := render.Owned(dir)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]bool{}
			for p := range owned {
				// A fleet's member trees are checked as single trees,
				// under their folders.
				rel := p
				if rest, ok := strings.CutPrefix(p, "clusters/"); ok {
					if _, r, ok := strings.Cut(rest, "/"); ok {
						rel = r
					}
				}
				switch {
				case p == "gitops/kustomization.yaml", rel == "manifests/kustomization.yaml":
					want[strings.TrimSuffix(p, "kustomization.yaml")+": kube-apiserver server-side dry run"] = true
				case strings.HasPrefix(rel, "kubeadm/init/"):
					want[p+": kubeadm config validate"] = true
					want[p+": kubeadm init --dry-run"] = true
				case strings.HasPrefix(rel, "kubeadm/join-"), strings.HasPrefix(rel, "kubeadm/etcd/") && strings.HasSuffix(rel, ".yaml"):
					want[p+": kubeadm config validate"] = true
				case rel == "loadbalancer/haproxy.cfg":
					want[p+": haproxy -c"] = true
				case strings.HasPrefix(rel, "loadbalancer/keepalived/"):
					want[p+": keepalived -t"] = true
				}
			}
			got := map[string]bool{}
			for _, c := range rep.Checks {
				got[c.Artifact+": "+c.Name] = true
				if c.Result == verify.Failed {
					t.Errorf("%s: %s failed:\n%s", c.Artifact, c.Name, c.Output)
				}
				if c.Result == verify.Passed && !strings.HasPrefix(c.Version, c.Tool+" ") {
					t.Errorf("%s: %s ran without a version: %q", c.Artifact, c.Name, c.Version)
				}
			}
			for k := range want {
				if !got[k] {
					t.Errorf("no check %s", k)
				}
			}
			requireTools(t, rep)
		})
	}
}

// copyTree copies the files of an output folder, to be damaged, and lists
// them in the copy's .blueprint-files.
func copyTree(t *testing.T, from string, paths ...string) string {
	t.Helper()
	files := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(filepath.Join(from, p))
		if err != nil {
			t.Fatal(err)
		}
		files[p] = string(b)
	}
	return writeTree(t, files)
}

// writeTree writes files (slash-separated path → content) into a new
// folder, with a .blueprint-files that lists them, as render would.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	var list []string
	for p, s := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		list = append(list, p)
	}
	slices.Sort(list)
	if err := os.WriteFile(filepath.Join(dir, ".blueprint-files"), []byte(strings.Join(list, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBrokenHAProxyConfigFails damages haproxy.cfg within the forms
// blueprint writes (a weight above haproxy's 256) and expects haproxy's own
// words, pointing at the line, in the failed check.
func TestBrokenHAProxyConfigFails(t *testing.T) {
	dir := copyTree(t, "../out/ha", "loadbalancer/haproxy.cfg")
	cfg := filepath.Join(dir, "loadbalancer/haproxy.cfg")
	b, _ := os.ReadFile(cfg)
	broken := strings.Replace(string(b), " weight 100", " weight 1000", 1)
	if broken == string(b) {
		t.Fatal("haproxy.cfg has no 'weight 100' to break")
	}
	if err := os.WriteFile(cfg, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Run(context.Background(), options(dir))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Checks) != 1 || rep.Checks[0].Name != "haproxy -c" {
		t.Fatalf("want one haproxy check, got %+v", rep.Checks)
	}
	requireTools(t, rep)
	c := rep.Checks[0]
	if c.Result != verify.Failed || !rep.Failed() {
		t.Fatalf("a broken haproxy.cfg %s", c.Result)
	}
	for _, want := range []string{"weight", "loadbalancer/haproxy.cfg:"} {
		if !strings.Contains(c.Output, want) {
			t.Errorf("output lacks %q:\n%s", want, c.Output)
		}
	}
	if strings.Contains(c.Output, "[NOTICE]") {
		t.Errorf("haproxy's notices were kept:\n%s", c.Output)
	}
}

// TestBrokenManifestIsRejected damages a StorageClass and expects the API
// server's refusal, naming the object, in the failed dry run.
func TestBrokenManifestIsRejected(t *testing.T) {
	owned, err := render.Owned("../out/ha")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for p := range owned {
		if strings.HasPrefix(p, "manifests/") {
			paths = append(paths, p)
		}
	}
	dir := copyTree(t, "../out/ha", paths...)
	classes := filepath.Join(dir, "manifests/storage/storageclasses.yaml")
	b, err := os.ReadFile(classes)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(b), "volumeBindingMode: WaitForFirstConsumer", "volumeBindingMode: Sometimes", 1)
	if broken == string(b) {
		t.Fatal("no StorageClass with volumeBindingMode: WaitForFirstConsumer to break")
	}
	if err := os.WriteFile(classes, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Run(context.Background(), options(dir))
	if err != nil {
		t.Fatal(err)
	}
	var apiserver []verify.Check
	for _, c := range rep.Checks {
		if c.Tool == "kube-apiserver" {
			apiserver = append(apiserver, c)
		}
	}
	if len(apiserver) != 1 {
		t.Fatalf("want one kube-apiserver check, got %+v", rep.Checks)
	}
	requireTools(t, rep)
	c := apiserver[0]
	if c.Result != verify.Failed {
		t.Fatalf("a broken StorageClass: %s %s", c.Result, c.Output)
	}
	for _, want := range []string{"1 of ", "StorageClass.storage.k8s.io", `Unsupported value: "Sometimes"`} {
		if !strings.Contains(c.Output, want) {
			t.Errorf("output lacks %q:\n%s", want, c.Output)
		}
	}
}

// TestMissingProgramsAreReportedNotFailed finds no program at all: every
// check is reported as not run, with the reason, and nothing fails.
func TestMissingProgramsAreReportedNotFailed(t *testing.T) {
	o := verify.Options{Dir: "../out/ha", LookPath: func(name string) (string, error) {
		return "", errors.New(name + " is nowhere")
	}}
	rep, err := verify.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() || rep.Count(verify.NotRun) != len(rep.Checks) || len(rep.Checks) < 5 {
		t.Fatalf("want every check not run, got %+v", rep.Checks)
	}
	for _, c := range rep.Checks {
		if c.Reason != c.Tool+" not found" {
			t.Errorf("%s: %s: reason %q", c.Artifact, c.Name, c.Reason)
		}
	}
	var names []string
	for _, tool := range rep.Tools {
		names = append(names, tool.Name)
		if !strings.Contains(tool.Missing, "nowhere") {
			t.Errorf("%s: missing %q", tool.Name, tool.Missing)
		}
	}
	if !slices.Equal(names, []string{"etcd", "haproxy", "keepalived", "kube-apiserver", "kubeadm", "promtool"}) {
		t.Errorf("tools %v", names)
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kubeadm/init/kmaster1.yaml", "not run: kubeadm not found", "missing: kubeadm is nowhere", "could not run"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
}

func TestNotATree(t *testing.T) {
	if _, err := verify.Run(context.Background(), verify.Options{Dir: t.TempDir()}); !errors.Is(err, verify.ErrNotATree) {
		t.Errorf("an empty folder: %v", err)
	}
	if _, err := verify.Run(context.Background(), verify.Options{Dir: "../out/nope"}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing folder: %v", err)
	}
}

// TestPrometheusFilesByConvention lays out Prometheus files the ways the
// package documents and checks each one with a stand-in promtool that fails
// on files containing BROKEN, so that the test needs no real promtool.
func TestPrometheusFilesByConvention(t *testing.T) {
	files := map[string]string{
		"manifests/monitoring/prometheus/prometheus.yml":     "global: {}\n",
		"manifests/monitoring/prometheus/etcd.rules.yml":     "groups: [] # BROKEN\n",
		"manifests/monitoring/prometheus/kustomization.yaml": "resources: [objects.yaml]\n",
		"manifests/monitoring/prometheus/objects.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: prometheus
data:
  prometheus.yml: "global: {}"
  node.rules.yaml: "groups: []"
  other.txt: "not Prometheus"
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: apiserver
spec:
  groups:
  - name: apiserver
    rules:
    - alert: APIServerDown
      expr: up{job="BROKEN"} == 0
`,
		"manifests/monitoring/grafana/dashboards.yaml": "kind: ConfigMap\nmetadata: {name: dashboards}\ndata: {a.json: '{}'}\n",
	}
	dir := writeTree(t, files)
	tools := t.TempDir()
	fake := "#!/bin/sh\n" +
		"if [ \"$1\" = --version ]; then echo 'promtool, version 3.16.0 (branch: HEAD)'; exit 0; fi\n" +
		"for last; do :; done\n" +
		"if grep -q BROKEN \"$last\"; then echo \"$last: BROKEN found\"; exit 1; fi\n" +
		"echo SUCCESS\n"
	if err := os.WriteFile(filepath.Join(tools, "promtool"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Run(context.Background(), verify.Options{Dir: dir, ToolDirs: []string{tools}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]verify.Result{}
	for _, c := range rep.Checks {
		got[c.Artifact+": "+c.Name] = c.Result
		if c.Tool == "promtool" && c.Version != "promtool 3.16.0" {
			t.Errorf("%s: version %q", c.Artifact, c.Version)
		}
		if c.Result == verify.Failed && !strings.Contains(c.Output, "BROKEN found") {
			t.Errorf("%s: output %q", c.Artifact, c.Output)
		}
	}
	const objects = "manifests/monitoring/prometheus/objects.yaml"
	want := map[string]verify.Result{
		"manifests/monitoring/prometheus/prometheus.yml: promtool check config --syntax-only":    verify.Passed,
		"manifests/monitoring/prometheus/etcd.rules.yml: promtool check rules":                   verify.Failed,
		objects + " (ConfigMap prometheus, prometheus.yml): promtool check config --syntax-only": verify.Passed,
		objects + " (ConfigMap prometheus, node.rules.yaml): promtool check rules":               verify.Passed,
		objects + " (PrometheusRule apiserver): promtool check rules":                            verify.Failed,
	}
	if len(got) != len(want) {
		t.Errorf("got checks %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: got %q, want %q", k, got[k], w)
		}
	}
}

func TestFillIsEnvsubstOfThePlaceholders(t *testing.T) {
	in := `token: "${KUBEADM_TOKEN}" hash: $KUBEADM_CA_CERT_HASH other: ${HOME} $PATH cost: $$5 ${KUBEADM_TOKENS}`
	want := `token: "abcdef.0123456789abcdef" hash: sha256:` + strings.Repeat("0", 64) + ` other: ${HOME} $PATH cost: $$5 ${KUBEADM_TOKENS}`
	if got := string(verify.Fill([]byte(in))); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestGatewayAPICRDsSupplied verifies the manifests of a tree with a
// Gateway: the dry run passes only if the Gateway API CRDs, which the
// cluster's implementation provides and the tree does not hold, are
// created first, and a note says that they were.
func TestGatewayAPICRDsSupplied(t *testing.T) {
	owned, err := render.Owned("../out/data-platform")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	gateway := false
	for p := range owned {
		if strings.HasPrefix(p, "manifests/") {
			paths = append(paths, p)
			gateway = gateway || strings.HasPrefix(p, "manifests/gateway/")
		}
	}
	if !gateway {
		t.Fatal("out/data-platform has no manifests/gateway/ folder to verify")
	}
	rep, err := verify.Run(context.Background(), options(copyTree(t, "../out/data-platform", paths...)))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Checks {
		if c.Tool == "kube-apiserver" && c.Result == verify.Failed {
			t.Fatalf("the dry run failed:\n%s", c.Output)
		}
	}
	requireTools(t, rep)
	if !slices.ContainsFunc(rep.Notes, func(n string) bool {
		return strings.Contains(n, "Gateway API objects") && strings.Contains(n, "sigs.k8s.io/gateway-api v1.6.3")
	}) {
		t.Errorf("no note says the Gateway API CRDs were supplied: %q", rep.Notes)
	}
}
