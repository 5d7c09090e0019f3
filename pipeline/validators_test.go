package pipeline_test

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/verify"
)

// writeTree writes a tree into a fresh temporary folder.
func writeTree(t *testing.T, tree render.Tree, transform func([]byte) []byte) string {
	t.Helper()
	dir := t.TempDir()
	for p, b := range tree {
		if transform != nil {
			b = transform(b)
		}
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

func kubeadmFiles(tree render.Tree) []string {
	var ps []string
	for _, p := range tree.Paths() {
		if strings.HasSuffix(p, ".yaml") && (strings.HasPrefix(p, "kubeadm/init/") || strings.HasPrefix(p, "kubeadm/join-") || strings.HasPrefix(p, "kubeadm/etcd/")) {
			ps = append(ps, p)
		}
	}
	return ps
}

// TestKubeadmAcceptsConfigs runs "kubeadm config validate" on every init,
// join and etcd config, after filling in the install-time secrets.
func TestKubeadmAcceptsConfigs(t *testing.T) {
	kubeadm := tool(t, "kubeadm")
	for _, ex := range examples(t) {
		dir := writeTree(t, ex.tree, verify.Fill)
		files := kubeadmFiles(ex.tree)
		if len(files) < 3 {
			t.Fatalf("%s: expected init, join and worker configs, got %v", ex.name, files)
		}
		for _, p := range files {
			out := run(t, kubeadm, "config", "validate", "--config", filepath.Join(dir, p))
			if !strings.Contains(out, "ok") {
				t.Errorf("%s/%s: kubeadm config validate said %q", ex.name, p, out)
			}
		}
	}
}

// TestKubeadmRefusesPlaceholders shows the placeholders are real gaps: the
// join configs as committed do not validate until secrets are filled in.
func TestKubeadmRefusesPlaceholders(t *testing.T) {
	kubeadm := tool(t, "kubeadm")
	ex := examples(t)[0]
	dir := writeTree(t, ex.tree, nil)
	for _, p := range kubeadmFiles(ex.tree) {
		if strings.HasPrefix(p, "kubeadm/join-worker/") {
			err := exec.Command(kubeadm, "config", "validate", "--config", filepath.Join(dir, p)).Run()
			if err == nil {
				t.Fatalf("%s validated with ${KUBEADM_TOKEN} still in it", p)
			}
			return
		}
	}
	t.Fatal("no worker join config rendered")
}

// TestKubeadmInitDryRun runs the first control-plane node's init end to end
// with --dry-run, writing only into a temporary folder.
func TestKubeadmInitDryRun(t *testing.T) {
	kubeadm := tool(t, "kubeadm")
	for _, ex := range examples(t) {
		dir := writeTree(t, ex.tree, verify.Fill)
		dry := t.TempDir()
		cfg := filepath.Join(dir, "kubeadm/init", ex.plan.ControlPlane[0].Name+".yaml")
		cmd := exec.Command(kubeadm, "init", "--dry-run", "--config", cfg, "--ignore-preflight-errors=all")
		cmd.Env = append(os.Environ(), "KUBEADM_INIT_DRYRUN_DIR="+dry)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: kubeadm init --dry-run: %v\n%s", ex.name, err, out)
		}
		manifest, err := os.ReadFile(filepath.Join(dry, "kube-apiserver.yaml"))
		if err != nil {
			t.Fatalf("%s: dry run wrote no kube-apiserver manifest: %v", ex.name, err)
		}
		for _, want := range []string{"--profiling=false", "--audit-policy-file=", "--encryption-provider-config=", ex.plan.ControlPlane[0].Address} {
			if !bytes.Contains(manifest, []byte(want)) {
				t.Errorf("%s: kube-apiserver manifest lacks %q", ex.name, want)
			}
		}
		if !strings.Contains(string(out), ex.plan.Endpoint.String()) {
			t.Errorf("%s: kubeadm does not use the endpoint %s", ex.name, ex.plan.Endpoint)
		}
	}
}

// TestHAProxyAcceptsConfig runs "haproxy -c" on every rendered haproxy.cfg.
func TestHAProxyAcceptsConfig(t *testing.T) {
	haproxy := tool(t, "haproxy")
	for _, ex := range examples(t) {
		if !ex.plan.LB.Managed {
			continue
		}
		dir := writeTree(t, ex.tree, nil)
		out := run(t, haproxy, "-c", "-f", filepath.Join(dir, "loadbalancer/haproxy.cfg"))
		if !strings.Contains(out, "Configuration file is valid") {
			t.Errorf("%s: haproxy -c said %q", ex.name, out)
		}
	}
}

// TestKeepalivedAcceptsConfigs runs "keepalived -t" on every host's config.
// keepalived checks that the interface exists and refuses loopback, so the
// test substitutes one of this machine's interfaces, and a temporary copy of
// the check script for its path.
func TestKeepalivedAcceptsConfigs(t *testing.T) {
	keepalived := tool(t, "keepalived")
	iface := hostInterface(t)
	for _, ex := range examples(t) {
		if !ex.plan.LB.Keepalived {
			continue
		}
		dir := writeTree(t, ex.tree, nil)
		script := filepath.Join(dir, "loadbalancer/check_apiserver.sh")
		if err := os.Chmod(script, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, peer := range ex.plan.LB.Peers {
			p := "loadbalancer/keepalived/" + peer.Name + ".conf"
			conf := strings.ReplaceAll(string(ex.tree[p]), "interface "+ex.plan.LB.Interface+"\n", "interface "+iface+"\n")
			conf = strings.ReplaceAll(conf, "dev "+ex.plan.LB.Interface+"\n", "dev "+iface+"\n")
			conf = strings.ReplaceAll(conf, plan.CheckScriptPath, script)
			path := filepath.Join(dir, p)
			if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
				t.Fatal(err)
			}
			if out := run(t, keepalived, "-t", "-f", path); strings.TrimSpace(out) != "" {
				t.Errorf("%s/%s: keepalived -t printed %q", ex.name, p, out)
			}
		}
	}
}

func hostInterface(t *testing.T) string {
	ifaces, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range ifaces {
		if i.Flags&net.FlagLoopback == 0 && i.Flags&net.FlagUp != 0 {
			return i.Name
		}
	}
	t.Fatal("keepalived needs a non-loopback interface that is up, and this machine has none")
	return ""
}

// TestStaticPodsDecode strict-decodes the co-located load balancer's static
// pods into corev1.Pod: an unknown or misspelled field fails.
func TestStaticPodsDecode(t *testing.T) {
	seen := 0
	for _, ex := range examples(t) {
		for _, p := range ex.tree.Paths() {
			if !strings.HasPrefix(p, "loadbalancer/static-pods/") {
				continue
			}
			seen++
			var pod corev1.Pod
			if err := yaml.UnmarshalStrict(ex.tree[p], &pod); err != nil {
				t.Errorf("%s/%s: %v", ex.name, p, err)
				continue
			}
			if !pod.Spec.HostNetwork || pod.Namespace != "kube-system" {
				t.Errorf("%s/%s: a static pod of the load balancer needs hostNetwork in kube-system", ex.name, p)
			}
			for _, c := range pod.Spec.Containers {
				if !strings.Contains(c.Image, ":") || strings.HasSuffix(c.Image, ":latest") {
					t.Errorf("%s/%s: image %q is not pinned", ex.name, p, c.Image)
				}
				if c.Resources.Requests.Cpu().IsZero() || c.Resources.Limits.Memory().IsZero() {
					t.Errorf("%s/%s: container %s lacks requests or limits", ex.name, p, c.Name)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no example renders static pods; blueprints/ha.hcl should be co-located")
	}
}
