package verify

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readOut reads every file of out/<tree>, slash-separated.
func readOut(t *testing.T, tree string) map[string][]byte {
	t.Helper()
	root := filepath.Join("../out", tree)
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestRenderedTreesPassTheAllowLists: every file of out/ holds only what
// the allow-lists accept (the root TestHostile checks the same for every
// spec of testdata/hostile that renders), and the lists are not vacuous.
func TestRenderedTreesPassTheAllowLists(t *testing.T) {
	dirs, _ := filepath.Glob("../out/*")
	for _, dir := range dirs {
		files := readOut(t, filepath.Base(dir))
		for _, r := range Refusals(files) {
			t.Errorf("%s: %s", filepath.Base(dir), r)
		}
	}
	files := readOut(t, "ha")
	for p, extra := range map[string]string{
		"loadbalancer/haproxy.cfg":                       "    lua-load /x.lua",
		"loadbalancer/keepalived/kmaster1.conf":          "include /etc/passwd",
		"kubeadm/init/kmaster1.yaml":                     "---\napiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\npatches: {directory: /}",
		"manifests/monitoring/prometheus/prometheus.yml": "scrape_config_files: [/etc/*]",
		"manifests/kustomization.yaml":                   "helmCharts: [{name: x}]",
	} {
		hostile := maps.Clone(files)
		hostile[p] = append(append([]byte{}, files[p]...), "\n"+extra+"\n"...)
		if len(Refusals(hostile)) == 0 {
			t.Errorf("%s with %q passes", p, extra)
		}
	}
}

// templateKeywords returns, for each line of a template that starts with a
// word (not a template action, comment or brace), the section or block it
// is in and that word. enter says which words open a section or block.
func templateKeywords(t *testing.T, file string, comment string, enter func(word string, line string) bool) [][2]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../templates/loadbalancer", file))
	if err != nil {
		t.Fatal(err)
	}
	action := regexp.MustCompile(`\{\{[^}]*\}\}`)
	var out [][2]string
	section := ""
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(action.ReplaceAllString(line, "X"))
		if line == "" || line == "X" || strings.HasPrefix(line, comment) || line == "}" {
			continue
		}
		word := strings.Fields(line)[0]
		if enter(word, line) {
			section = word
		}
		out = append(out, [2]string{section, word})
	}
	return out
}

// TestHAProxyAllowListCoversTheTemplate: each directive the template
// writes is in the allow-list of its section. A new directive in the
// template fails here until haproxyDirectives accepts it (with its
// argument forms, and only if haproxy neither runs nor reads anything for
// it).
func TestHAProxyAllowListCoversTheTemplate(t *testing.T) {
	words := templateKeywords(t, "haproxy.cfg.tmpl", "#", func(w, _ string) bool { _, ok := haproxySections[w]; return ok })
	if len(words) < 20 {
		t.Fatalf("only %d directives found in the template", len(words))
	}
	for _, sw := range words {
		if _, ok := haproxySections[sw[1]]; ok {
			continue
		}
		if _, ok := haproxyDirectives[sw[0]][sw[1]]; !ok {
			t.Errorf("haproxy.cfg.tmpl writes %q in %s, which haproxyDirectives does not accept there", sw[1], sw[0])
		}
	}
}

// TestKeepalivedAllowListCoversTheTemplate is the same for keepalived.conf.
func TestKeepalivedAllowListCoversTheTemplate(t *testing.T) {
	blocks := map[string]*kaBlock{}
	var collect func(b *kaBlock)
	collect = func(b *kaBlock) {
		for name, nested := range b.blocks {
			blocks[name] = nested
			collect(nested)
		}
	}
	collect(keepalivedTop)
	words := templateKeywords(t, "keepalived.conf.tmpl", "!", func(_, line string) bool { return strings.HasSuffix(line, "{") })
	if len(words) < 20 {
		t.Fatalf("only %d lines found in the template", len(words))
	}
	for _, sw := range words {
		b := blocks[sw[0]]
		switch {
		case sw[0] == sw[1] && b != nil, b != nil && b.entry != nil, sw[1] == "script" && sw[0] == "vrrp_script":
		case b == nil:
			t.Errorf("keepalived.conf.tmpl opens block %q, which keepalivedTop does not accept", sw[0])
		default:
			if _, ok := b.directives[sw[1]]; !ok {
				t.Errorf("keepalived.conf.tmpl writes %q in %s, which keepalivedTop does not accept there", sw[1], sw[0])
			}
		}
	}
}

// TestDryRunNamesNoEtcdHost: an external etcd endpoint named by DNS
// (blueprint writes one where the spec names the member so) passes the
// allow-list, and the copy kubeadm's dry run reads points it at 127.0.0.1,
// so kubeadm resolves no name of the tree.
func TestDryRunNamesNoEtcdHost(t *testing.T) {
	cfg := []byte("apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\netcd:\n  external:\n    endpoints:\n    - https://etcd-node01.kube.demo:2379\n    - https://10.0.0.5:2379\n    caFile: /etc/kubernetes/pki/etcd/ca.crt\n    certFile: /etc/kubernetes/pki/apiserver-etcd-client.crt\n    keyFile: /etc/kubernetes/pki/apiserver-etcd-client.key\n")
	if why := checkKubeadmConfig("c.yaml", cfg); len(why) > 0 {
		t.Fatalf("refused: %v", why)
	}
	out, err := confineDryRun(cfg, "/tmp/x")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "kube.demo") || !strings.Contains(string(out), "https://127.0.0.1:2379") || !strings.Contains(string(out), "https://10.0.0.5:2379") {
		t.Errorf("the dry run's copy:\n%s", out)
	}
}
