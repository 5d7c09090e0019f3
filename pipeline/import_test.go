package pipeline_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/cli"
	"github.com/blueprint-dev/blueprint/importer"
	"github.com/blueprint-dev/blueprint/importer/convert"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
)

// importSpec imports sources and loads, validates and renders the spec.
func importSpec(t *testing.T, paths ...string) (*convert.Result, *plan.Plan, render.Tree) {
	t.Helper()
	r, err := convert.Sources(paths, convert.Options{SpecName: "imported.hcl"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Missing) > 0 {
		t.Fatalf("missing %v", r.Missing)
	}
	if r.Diagnostics.HasErrors() {
		t.Fatalf("the imported spec has errors: %v\n%s", r.Diagnostics, r.Spec)
	}
	s, diags := spec.NewLoader().LoadSource("imported.hcl", r.Spec, spec.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p := plan.Build(s)
	tree, err := render.Render(p)
	if err != nil {
		t.Fatal(err)
	}
	return r, p, tree
}

// commentLine matches a YAML comment line, which says how to run a file
// and so depends on the load-balancer mode kubeadm's files do not carry.
var commentLine = regexp.MustCompile(`(?m)^\s*#.*\n`)

// importGaps are the settings of the examples' kubeadm files that blueprint
// import cannot carry over, each with the reason and the lines that hold
// it. Those lines are taken out of the example's file before it is compared
// with the import's, byte for byte; every other setting must still be
// carried over, and each gap must still occur, so that one the importer
// learns to carry is taken off this list.
var importGaps = []struct {
	setting, lines *regexp.Regexp
	why            string
}{
	{regexp.MustCompile(`^(Init|Join)Configuration\.patches\.directory$`), regexp.MustCompile(`(?m)^patches:\n  directory: .*\n`),
		"the patches that pin kubeadm's images by digest come from images { lock_file } (edge.hcl), which kubeadm's files do not hold"},
}

// TestImportRoundTrip: blueprint import of every example's rendered
// kubeadm files gives back a spec that renders the same kubeadm files:
// every document equal, and every line but the comments equal byte for
// byte (a comment says how to run the file, which for a VIP blueprint
// configures adds a preflight flag an imported endpoint does not need).
// Nothing of the source is reported as not carried over.
func TestImportRoundTrip(t *testing.T) {
	gapsSeen := map[int]bool{}
	defer func() {
		for i, g := range importGaps {
			if !gapsSeen[i] && !t.Failed() {
				t.Errorf("importGaps lists %s (%s), which no example's round trip reports any more: remove it", g.setting, g.why)
			}
		}
	}()
	for _, ex := range examples(t) {
		t.Run(ex.name, func(t *testing.T) {
			dir := writeTree(t, ex.tree, nil)
			files := kubeadmFiles(ex.tree)
			var paths []string
			for _, f := range files {
				paths = append(paths, filepath.Join(dir, f))
			}
			r, _, tree := importSpec(t, paths...)
			gapFiles := map[string][]*regexp.Regexp{}
			for _, f := range r.Findings {
				if !strings.Contains(f.Setting, "Configuration.") {
					continue
				}
				known := false
				for i, g := range importGaps {
					if g.setting.MatchString(f.Setting) {
						known = true
						gapsSeen[i] = true
						rel, _ := filepath.Rel(dir, f.File)
						gapFiles[filepath.ToSlash(rel)] = append(gapFiles[filepath.ToSlash(rel)], g.lines)
						break
					}
				}
				if !known {
					t.Errorf("a setting of blueprint's own output is not carried over: %s", f)
				}
			}
			if got := kubeadmFiles(tree); strings.Join(got, " ") != strings.Join(files, " ") {
				t.Errorf("the import renders kubeadm files\n  %v\nthe example renders\n  %v", got, files)
			}
			for _, f := range files {
				want, got := ex.tree[f], tree[f]
				for _, lines := range gapFiles[f] {
					if !lines.Match(want) {
						t.Errorf("%s: a gap's setting is reported, but its lines (%s) are not in the file", f, lines)
					}
					want = lines.ReplaceAll(want, nil)
				}
				if !bytes.Equal(commentLine.ReplaceAll(want, nil), commentLine.ReplaceAll(got, nil)) {
					t.Errorf("%s differs after the round trip:\n--- example\n%s\n--- import\n%s", f, want, got)
					continue
				}
				for i, doc := range strings.Split(string(want), "\n---\n") {
					var a, b any
					if err := yaml.Unmarshal([]byte(doc), &a); err != nil {
						t.Fatal(err)
					}
					if err := yaml.Unmarshal([]byte(strings.Split(string(got), "\n---\n")[i]), &b); err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(a, b) {
						t.Errorf("%s, document %d differs after the round trip", f, i+1)
					}
				}
			}
		})
	}
}

// importCase is a fixture of testdata/import and what its spec must say.
type importCase struct {
	sources []string
	want    []string // lines the spec must hold
	notes   []string // findings that must be reported, "file:line: setting"
}

var importCases = map[string]importCase{
	"kubespray-ini": {
		sources: []string{"testdata/import/kubespray-ini"},
		want: []string{`cluster "kubespray-ini" {`, `kubernetes_version = "1.36.5"`, `cni           = "cilium"`, `proxy_mode    = "nftables"`,
			`mode = "local-proxy"`, `ssh_address = "198.51.100.11"`, `extra_sans = ["k8s.example.com", "10.30.0.100"]`, `node "wk3" {`},
		notes: []string{"inventory.ini:15: wk3.node_labels", "host_vars/wk3.yml:2: wk3.node_taints", "group_vars/all/all.yml:3: bin_dir",
			"inventory.ini:9: etcd"},
	},
	"kubespray-yaml": {
		sources: []string{"testdata/import/kubespray-yaml/hosts.yaml", "testdata/import/kubespray-yaml/group_vars/k8s_cluster.yml"},
		want: []string{`mode      = "kube-vip"`, `vip       = "10.40.1.100"`, `interface = "ens3"`, `topology = "external"`, `member "etcd-2" {`,
			`cni           = "flannel"`, `dns_domain         = "k8s.internal"`, `ssh_address = "master-1.mgmt.example.com"`, `address = "10.40.1.31"`},
		notes: []string{"k8s_cluster.yml:14: kube_image_repo", "k8s_cluster.yml:5: kube_proxy_strict_arp"},
	},
	"kubeadm-v1beta3": {
		sources: []string{"testdata/import/kubeadm-v1beta3"},
		want: []string{`cluster "prod-eu" {`, `kubernetes_version = "1.36.2"`, `endpoint = "k8s-api.prod.example.com:6443"`, `extra_sans = ["api.prod.example.com"]`,
			`pod_cidrs     = ["10.32.0.0/12"]`, `proxy_mode    = "ipvs"`, `zone "dc-c" {}`, `"node-role.example.com/app" = "true"`},
		notes: []string{"init.yaml:33: ClusterConfiguration.apiServer.extraArgs.oidc-issuer-url", "init.yaml:46: KubeletConfiguration.maxPods",
			"join-cp2.yaml:17: JoinConfiguration.controlPlane.certificateKey", "init.yaml:4: InitConfiguration.apiVersion"},
	},
	"kubeadm-v1beta4": {
		sources: []string{"testdata/import/kubeadm-v1beta4"},
		want: []string{`cluster "lab.example.com" {`, `image_repository   = "registry.lab.example.com/k8s"`, `dns_domain         = "lab.local"`, `schedulable = true`,
			`cri_socket         = "unix:///run/containerd/containerd.sock"`, `address = "etcd-3.lab.example.com"`, `endpoint = "10.60.0.100:6443"`},
		notes: []string{"cluster.yaml:17: InitConfiguration.timeouts.controlPlaneComponentHealthCheck", "cluster.yaml:31: etcd.external.endpoints",
			"join.yaml:30: JoinConfiguration.discovery.bootstrapToken.unsafeSkipCAVerification"},
	},
	"kubeone-v1beta3": {
		sources: []string{"testdata/import/kubeone-v1beta3.yaml"},
		want: []string{`cluster "edge-demo" {`, `schedulable = true`, `extra_sans  = ["edge-api.internal.example.com"]`, `ssh_address = "203.0.113.31"`,
			`"example.com/tier" = "edge"`, `cni           = "cilium"`, `proxy_mode    = "iptables"`, `endpoint = "edge-api.example.com:6443"`},
		notes: []string{"kubeone-v1beta3.yaml:58: clusterNetwork.cni.cilium.enableHubble", "kubeone-v1beta3.yaml:19: edge-cp-1.sshUsername",
			"kubeone-v1beta3.yaml:70: addons.enable"},
	},
	"kubeone-v1beta2": {
		sources: []string{"testdata/import/kubeone-v1beta2.yaml"},
		want:    []string{`cluster "legacy" {`, `node "control-plane-2" {`, `kubernetes_version = "1.37.2"`, `proxy_mode    = "ipvs"`, `endpoint = "10.70.0.50:6443"`},
		notes: []string{"kubeone-v1beta2.yaml:36: containerRuntime.docker", "kubeone-v1beta2.yaml:39: features.podSecurityPolicy", "kubeone-v1beta2.yaml:42: helmReleases",
			"kubeone-v1beta2.yaml:47: dynamicWorkers", "kubeone-v1beta2.yaml:16: control-plane-1.sshPort", "kubeone-v1beta2.yaml:33: clusterNetwork.kubeProxy.ipvs.strictArp"},
	},
}

// TestImportFixtures imports every fixture of testdata/import, written in
// its format's documented schema: the spec holds what the source says,
// validates without errors and renders, every rendered file passes its
// program (kubeadm config validate, haproxy -c, keepalived -t, strict
// decoding, verify's allow-lists), the expected findings are reported, and
// every finding's line holds the setting it names.
func TestImportFixtures(t *testing.T) {
	tools := allTools(t)
	fixtures, _ := filepath.Glob("testdata/import/*")
	if len(fixtures) != len(importCases) {
		t.Errorf("testdata/import holds %d fixtures, the test knows %d", len(fixtures), len(importCases))
	}
	for name, c := range importCases {
		t.Run(name, func(t *testing.T) {
			r, p, tree := importSpec(t, c.sources...)
			for _, w := range c.want {
				if !bytes.Contains(r.Spec, []byte(w)) {
					t.Errorf("the spec lacks %q:\n%s", w, r.Spec)
				}
			}
			var got []string
			for _, f := range r.Findings {
				got = append(got, f.String())
				checkFindingLine(t, f)
			}
			for _, n := range c.notes {
				found := false
				for _, g := range got {
					found = found || strings.Contains(g, n+":")
				}
				if !found {
					t.Errorf("no finding %q among\n  %s", n, strings.Join(got, "\n  "))
				}
			}
			checkTree(t, p, tree, tools)
		})
	}
}

// checkFindingLine: a finding's line holds the key it names (the last
// part of its setting's path), so the report points at the source.
func checkFindingLine(t *testing.T, f importer.Finding) {
	t.Helper()
	if f.Line == 0 {
		return
	}
	b, err := os.ReadFile(f.File)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	if f.Line > len(lines) {
		t.Fatalf("%s: line %d is past the end", f.File, f.Line)
	}
	line := lines[f.Line-1]
	key := regexp.MustCompile(`\[[^]]*\]`).ReplaceAllString(f.Setting, "")
	key = key[strings.LastIndexAny(key, ".")+1:]
	var item string // a list item's value or name: [=VALUE], [name=NAME]
	if m := regexp.MustCompile(`\[(name)?=([^]]*)\]$`).FindStringSubmatch(f.Setting); m != nil {
		item = m[2]
	}
	switch {
	case strings.Contains(line, key+":") || strings.Contains(line, key+"=") || strings.Contains(line, "["+key+"]"):
	case item != "" && strings.Contains(line, item):
	case strings.HasSuffix(f.Setting, "]") && strings.HasPrefix(strings.TrimSpace(line), "- "): // a whole list item
	case strings.HasSuffix(key, "Configuration") && strings.Contains(line, "apiVersion"): // a whole document
	default:
		t.Errorf("%s: line %d (%q) does not hold %q", f, f.Line, line, key)
	}
}

// TestImportMissing: sources without control-plane machines or an API
// endpoint still give a spec file, and the command exits 1 naming what is
// missing.
func TestImportMissing(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "cluster.yaml")
	if err := os.WriteFile(src, []byte("apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v1.37.2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "cluster.hcl")
	code, _, errs := runCLIFull("import", src, "-o", out)
	if code != cli.ExitSpecError || !strings.Contains(errs, "Missing: the sources do not give control-plane machines") ||
		!strings.Contains(errs, "Missing: the sources do not give the API endpoint") {
		t.Errorf("exit %d\n%s", code, errs)
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("no spec written: %v", err)
	}
	if code, _, errs := runCLIFull("import", src, "-o", out); code != cli.ExitUsage || !strings.Contains(errs, "--force") {
		t.Errorf("overwriting without --force: exit %d\n%s", code, errs)
	}
	if code, _, _ := runCLIFull("import", "testdata/import/kubeone-v1beta3.yaml", "-o", out, "--force"); code != cli.ExitOK {
		t.Errorf("a complete source: exit %d", code)
	}
}

func runCLIFull(args ...string) (int, string, string) {
	var o, e bytes.Buffer
	code := cli.Main(args, strings.NewReader(""), &o, &e)
	return code, o.String(), e.String()
}
