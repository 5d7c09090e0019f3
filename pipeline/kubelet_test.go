package pipeline_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/verify"
)

// kubeletReservations is the part of a KubeletConfiguration the reservations
// live in.
type kubeletReservations struct {
	Kind           string            `json:"kind"`
	SystemReserved map[string]string `json:"systemReserved"`
	KubeReserved   map[string]string `json:"kubeReserved"`
	EvictionHard   map[string]string `json:"evictionHard"`
}

func readKubeletConfig(t *testing.T, what string, b []byte) kubeletReservations {
	t.Helper()
	for _, doc := range strings.Split(string(b), "\n---\n") {
		var k kubeletReservations
		if err := yaml.Unmarshal([]byte(doc), &k); err == nil && k.Kind == "KubeletConfiguration" {
			return k
		}
	}
	t.Fatalf("%s has no KubeletConfiguration", what)
	return kubeletReservations{}
}

// reservationsSpec is ha.hcl with a pool that overrides its reservations
// and a control plane sized in the spec, whose system_reserved has a key
// (pid) the pool's does not: the pool's patch must delete it.
func reservationsSpec(t *testing.T) example {
	t.Helper()
	src, err := os.ReadFile("blueprints/ha.hcl")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(src), "control_plane {", `control_plane {
  cpu             = 8
  memory          = "32Gi"
  system_reserved = { pid = "2000" }
`, 1)
	if s == string(src) {
		t.Fatal("blueprints/ha.hcl has no control_plane block to size")
	}
	s += `
node_pool "tuned" {
  zones           = ["az1"]
  count_per_zone  = 1
  cpu             = 8
  memory          = "32Gi"
  kube_reserved   = { cpu = "500m" }
  eviction_hard   = { "memory.available" = "1Gi", "pid.available" = "10%" }
}
`
	return renderSpecText(t, "ha+reservations", s)
}

// TestKubeletReservations reads the reservations back from the rendered
// kubeadm files, which had none before: the cluster-wide
// KubeletConfiguration carries the control plane's, each pool has a patch
// with its own that every worker's join config applies, and the real
// kubeadm, given a pool's patch folder, writes a kubelet config.yaml with
// the pool's values (a key the pool does not set deleted). The defaults
// are checked by value for the sizes of data-platform.hcl; the overrides
// by the spec above.
func TestKubeletReservations(t *testing.T) {
	cases := append(examples(t), reservationsSpec(t))
	kubeadm := lookupTool(t, "kubeadm")
	if kubeadm == "" {
		t.Log("SKIPPED, not passed: kubeadm is not installed, so its patching of the KubeletConfiguration is not checked")
	}
	checkedDefaults := false
	for _, ex := range cases {
		first := ex.plan.ControlPlane[0].Name
		base := readKubeletConfig(t, ex.name+" init", ex.tree["kubeadm/init/"+first+".yaml"])
		cp := ex.plan.ControlPlaneKubelet
		if !equalSettings(base.SystemReserved, cp.SystemReserved) || !equalSettings(base.KubeReserved, cp.KubeReserved) ||
			!equalSettings(base.EvictionHard, cp.EvictionHard) {
			t.Errorf("%s: the init KubeletConfiguration reserves %+v, the plan's control plane %+v", ex.name, base, cp.Reservations)
		}
		for _, n := range ex.plan.Workers {
			var j struct {
				Patches struct {
					Directory string `json:"directory"`
				} `json:"patches"`
			}
			if err := yaml.Unmarshal(ex.tree["kubeadm/join-worker/"+n.Name+".yaml"], &j); err != nil || j.Patches.Directory != plan.KubeletPatchDir {
				t.Errorf("%s: %s's join config must read patches from %s, got %q (%v)", ex.name, n.Name, plan.KubeletPatchDir, j.Patches.Directory, err)
			}
		}
		// kubeadm walks a patches folder's subfolders too: a pool's patch
		// inside the folder the control-plane nodes are given
		// (kubeadm/patches/, images { lock_file }) would resize their kubelets.
		for path := range ex.tree {
			if strings.HasPrefix(path, "kubeadm/patches/") && strings.Contains(path, plan.KubeletPatchFile) {
				t.Errorf("%s: %s is a kubelet patch inside the control-plane nodes' patches folder", ex.name, path)
			}
		}
		for _, pool := range ex.plan.Pools {
			p := plan.KubeletPatchTree + pool.Name + "/kubeletconfiguration.yaml"
			if _, ok := ex.tree[p]; !ok {
				t.Errorf("%s: no %s", ex.name, p)
				continue
			}
			want := map[string]map[string]string{"systemReserved": {}, "kubeReserved": {}, "evictionHard": {}}
			for name, list := range map[string][]capacitySetting{"systemReserved": settings(pool.Kubelet.SystemReserved),
				"kubeReserved": settings(pool.Kubelet.KubeReserved), "evictionHard": settings(pool.Kubelet.EvictionHard)} {
				for _, s := range list {
					want[name][s.Key] = s.Value
				}
			}
			if ex.name == "data-platform" && pool.Name == "kafka" { // 16 CPU, 64Gi
				checkedDefaults = true
				for k, v := range map[string]string{"kubeReserved/cpu": "110m", "kubeReserved/memory": "5612Mi",
					"systemReserved/cpu": "100m", "systemReserved/memory": "256Mi", "evictionHard/memory.available": "656Mi",
					"evictionHard/nodefs.available": "10%", "evictionHard/imagefs.available": "15%"} {
					m, key, _ := strings.Cut(k, "/")
					if want[m][key] != v {
						t.Errorf("data-platform pool kafka (16 CPU, 64Gi): %s = %q, want %q", k, want[m][key], v)
					}
				}
				if a := pool.Kubelet.Allocatable.String(); a != "15.79 CPU, 57.6Gi" {
					t.Errorf("data-platform pool kafka: allocatable %s, want 15.79 CPU, 57.6Gi", a)
				}
			}
			if ex.name == "ha+reservations" && pool.Name == "tuned" {
				if want["kubeReserved"]["cpu"] != "500m" || want["evictionHard"]["memory.available"] != "1Gi" ||
					want["evictionHard"]["pid.available"] != "10%" || want["evictionHard"]["nodefs.available"] != "10%" {
					t.Errorf("ha+reservations pool tuned: the overrides must replace the defaults key by key: %v", want)
				}
				if cp.CPU != 8 || cp.Memory != "32Gi" || cp.Assumed || base.SystemReserved["pid"] != "2000" {
					t.Errorf("ha+reservations: the control plane is sized in the spec (8 CPU, 32Gi, pid 2000): %+v", cp)
				}
			}
			// kubeadm takes seconds per run: the pools with defaults and
			// with overrides are enough to show how it applies the patch.
			if kubeadm != "" && (ex.name == "ha+reservations" || (ex.name == "data-platform" && pool.Name == "kafka")) {
				got := kubeadmPatched(t, kubeadm, ex, pool.Name)
				for name, m := range map[string]map[string]string{"systemReserved": got.SystemReserved, "kubeReserved": got.KubeReserved, "evictionHard": got.EvictionHard} {
					if !equalMaps(m, want[name]) {
						t.Errorf("%s pool %s: kubeadm wrote %s %v, want the pool's %v", ex.name, pool.Name, name, m, want[name])
					}
				}
			}
		}
		doc := string(ex.tree["ARCHITECTURE.md"])
		if len(ex.plan.Pools) > 0 && !strings.Contains(doc, "copy its pool's `kubeadm/kubelet-patches/<pool>/` to `/etc/kubernetes/patches/`") {
			t.Errorf("%s: the install order must say to copy each pool's kubelet patch before joining", ex.name)
		}
	}
	if !checkedDefaults {
		t.Error("data-platform.hcl no longer has a kafka pool to check the default reservations on")
	}
}

type capacitySetting struct{ Key, Value string }

func settings[T ~struct{ Key, Value string }](list []T) []capacitySetting {
	out := make([]capacitySetting, len(list))
	for i, s := range list {
		out[i] = capacitySetting(s)
	}
	return out
}

func equalSettings[T ~struct{ Key, Value string }](m map[string]string, list []T) bool {
	want := map[string]string{}
	for _, s := range settings(list) {
		want[s.Key] = s.Value
	}
	return equalMaps(m, want)
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// kubeadmPatched runs kubeadm init --dry-run with the first master's config
// pointed at a pool's patch folder, as a worker's join is, and returns the
// reservations of the kubelet config.yaml kubeadm writes.
func kubeadmPatched(t *testing.T, kubeadm string, ex example, pool string) kubeletReservations {
	t.Helper()
	dir := writeTree(t, ex.tree, verify.Fill)
	cfg := filepath.Join(dir, "kubeadm/init", ex.plan.ControlPlane[0].Name+".yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	patched := strings.Replace(string(b), "\nlocalAPIEndpoint:", "\npatches:\n  directory: "+filepath.Join(dir, plan.KubeletPatchTree, pool)+"\nlocalAPIEndpoint:", 1)
	if patched == string(b) {
		t.Fatalf("%s: no localAPIEndpoint in the init config to put patches before", ex.name)
	}
	if err := os.WriteFile(cfg, []byte(patched), 0o644); err != nil {
		t.Fatal(err)
	}
	dry := t.TempDir()
	cmd := exec.Command(kubeadm, "init", "--dry-run", "--config", cfg, "--ignore-preflight-errors=all")
	cmd.Env = append(os.Environ(), "KUBEADM_INIT_DRYRUN_DIR="+dry)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: kubeadm init --dry-run with pool %s's patches: %v\n%s", ex.name, pool, err, out)
	}
	if !strings.Contains(string(out), `to target "kubeletconfiguration"`) {
		t.Errorf("%s: kubeadm did not apply pool %s's patch:\n%s", ex.name, pool, out)
	}
	written, err := os.ReadFile(filepath.Join(dry, "config.yaml"))
	if err != nil {
		t.Fatalf("%s: kubeadm wrote no kubelet config.yaml: %v", ex.name, err)
	}
	return readKubeletConfig(t, "kubeadm's config.yaml", written)
}
