package pipeline_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
	"github.com/blueprint-dev/blueprint/verify"
)

// TestDesigns: every real-world design of testdata/designs validates with
// no warning left (each risk it takes is accepted, with its reason), so
// `validate --strict` passes; renders; and every rendered file passes the
// program that consumes it: kubeadm config validate on every kubeadm file
// and kubeadm init --dry-run on the first control-plane node's, haproxy -c,
// keepalived -t, the static pods strictly decoded (kube-vip's environment
// against kube-vip's own parsing), verify's allow-lists, and the output
// checks of the hostile corpus.
func TestDesigns(t *testing.T) {
	paths, _ := filepath.Glob("testdata/designs/*.hcl")
	if len(paths) < 7 {
		t.Fatalf("testdata/designs holds %d designs, want the 7 real-world ones at least", len(paths))
	}
	tools := allTools(t)
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			s, diags := spec.NewLoader().Load(path, spec.Options{})
			r := validate.Run(s, diags)
			if len(r.Diagnostics) > 0 {
				t.Fatalf("--strict would fail: %v", r.Diagnostics)
			}
			for _, a := range r.Accepted {
				if len(a.Warnings) == 0 {
					t.Errorf("accept %q covers nothing", a.Accept.Code)
				}
			}
			p := plan.Build(s)
			tree, err := render.Render(p)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Accepted) > 0 && !strings.Contains(string(tree["ARCHITECTURE.md"]), "## Risks accepted") {
				t.Error("ARCHITECTURE.md has no Risks accepted section")
			}
			checkTree(t, p, tree, tools)
			for _, pool := range p.Pools {
				// A pool of unknown size keeps the control plane's
				// reservations: its patch removes none of them.
				patch := string(tree[plan.KubeletPatchTree+pool.Name+"/"+plan.KubeletPatchFile])
				if pool.Kubelet.Unknown && (strings.Contains(patch, ": null") || !strings.Contains(patch, "systemReserved:")) {
					t.Errorf("pool %s of unknown size: its kubelet patch drops the control plane's reservations:\n%s", pool.Name, patch)
				}
			}
			if p.LB.KubeVIP {
				checkKubeVIP(t, p, tree)
			}
			if tools.kubeadm != "" {
				initDryRun(t, tools.kubeadm, p, tree)
			}
		})
	}
}

// initDryRun runs kubeadm init --dry-run with the first control-plane
// node's rendered file, writing only into a temporary folder.
func initDryRun(t *testing.T, kubeadm string, p *plan.Plan, tree render.Tree) {
	t.Helper()
	dir := writeTree(t, tree, verify.Fill)
	cmd := exec.Command(kubeadm, "init", "--dry-run", "--config", filepath.Join(dir, "kubeadm/init", p.ControlPlane[0].Name+".yaml"), "--ignore-preflight-errors=all")
	cmd.Env = append(os.Environ(), "KUBEADM_INIT_DRYRUN_DIR="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("kubeadm init --dry-run: %v\n%s", err, out)
	} else if !strings.Contains(string(out), p.Endpoint.String()) {
		t.Errorf("kubeadm init --dry-run does not use the endpoint %s", p.Endpoint)
	}
}

// kubeVIPEnv is how kube-vip v1.2.3 reads each environment variable
// blueprint sets: the names are the constants of pkg/kubevip/
// config_envvar.go, and ParseEnvironment in pkg/kubevip/
// config_environment.go parses vip_arp, cp_enable, svc_enable and
// vip_leaderelection with strconv.ParseBool, port with ParseUint(…, 16),
// vip_leaseduration, vip_renewdeadline and vip_retryperiod with
// ParseInt(…, 32), and takes the others as strings (vip_nodename is read
// from the pod's spec.nodeName, as kube-vip's own manifest generator in
// config_generator.go writes it). An unknown name is ignored by kube-vip,
// so a misspelt one would silently fall back to a default: the test
// refuses it.
var kubeVIPEnv = map[string]func(string) error{
	"vip_arp":            func(s string) error { _, err := strconv.ParseBool(s); return err },
	"cp_enable":          func(s string) error { _, err := strconv.ParseBool(s); return err },
	"svc_enable":         func(s string) error { _, err := strconv.ParseBool(s); return err },
	"vip_leaderelection": func(s string) error { _, err := strconv.ParseBool(s); return err },
	"port":               func(s string) error { _, err := strconv.ParseUint(s, 10, 16); return err },
	"vip_leaseduration":  func(s string) error { _, err := strconv.ParseInt(s, 10, 32); return err },
	"vip_renewdeadline":  func(s string) error { _, err := strconv.ParseInt(s, 10, 32); return err },
	"vip_retryperiod":    func(s string) error { _, err := strconv.ParseInt(s, 10, 32); return err },
	"address":            nonEmpty,
	"vip_interface":      nonEmpty,
	"cp_namespace":       nonEmpty,
	"vip_leasename":      nonEmpty,
	"prometheus_server":  nonEmpty,
	"vip_nodename":       nil, // from the downward API
}

func nonEmpty(s string) error {
	if s == "" {
		return fmt.Errorf("empty")
	}
	return nil
}

// checkKubeVIP decodes both kube-vip static pods strictly and checks their
// environment against kubeVIPEnv and the design: ARP, the control plane,
// leader election with lease > renew > retry × 1.2 (client-go's leader
// election refuses anything else), the VIP on the API server's port, and
// the kubeconfig each reads (super-admin.conf while kubeadm init runs,
// admin.conf after), mounted where kube-vip's static-pod mode looks for it
// (manager.go: /etc/kubernetes/admin.conf, reached as
// https://kubernetes:PORT, which the host alias points at this node).
func checkKubeVIP(t *testing.T, p *plan.Plan, tree render.Tree) {
	t.Helper()
	for file, kubeconfig := range map[string]string{plan.KubeVIPPod: plan.AdminConf, plan.KubeVIPInitPod: plan.SuperAdminConf} {
		var pod corev1.Pod
		if err := yaml.UnmarshalStrict(tree[file], &pod); err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if len(pod.Spec.Containers) != 1 || !pod.Spec.HostNetwork {
			t.Fatalf("%s: want one container on the host network", file)
		}
		c := pod.Spec.Containers[0]
		env := map[string]string{}
		for _, e := range c.Env {
			parse, known := kubeVIPEnv[e.Name]
			switch {
			case !known:
				t.Errorf("%s: kube-vip v1.2.3 reads no variable %q", file, e.Name)
			case parse == nil:
				if e.ValueFrom == nil || e.ValueFrom.FieldRef == nil || e.ValueFrom.FieldRef.FieldPath != "spec.nodeName" {
					t.Errorf("%s: %s must come from spec.nodeName", file, e.Name)
				}
			default:
				if err := parse(e.Value); err != nil {
					t.Errorf("%s: %s=%q: kube-vip would fail to start: %v", file, e.Name, e.Value, err)
				}
			}
			env[e.Name] = e.Value
		}
		for k, want := range map[string]string{"vip_arp": "true", "cp_enable": "true", "vip_leaderelection": "true", "svc_enable": "false",
			"address": p.LB.VIP, "port": strconv.Itoa(plan.APIServerPort), "vip_interface": p.LB.Interface} {
			if env[k] != want {
				t.Errorf("%s: %s=%q, want %q", file, k, env[k], want)
			}
		}
		lease, _ := strconv.Atoi(env["vip_leaseduration"])
		renew, _ := strconv.Atoi(env["vip_renewdeadline"])
		retry, _ := strconv.Atoi(env["vip_retryperiod"])
		if !(lease > renew && float64(renew) > 1.2*float64(retry) && retry > 0) {
			t.Errorf("%s: lease %d, renew %d, retry %d: client-go's leader election refuses these", file, lease, renew, retry)
		}
		if len(pod.Spec.Volumes) != 1 || pod.Spec.Volumes[0].HostPath == nil || pod.Spec.Volumes[0].HostPath.Path != kubeconfig ||
			len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != plan.AdminConf {
			t.Errorf("%s: kube-vip must read %s at %s", file, kubeconfig, plan.AdminConf)
		}
		if len(pod.Spec.HostAliases) != 1 || pod.Spec.HostAliases[0].IP != "127.0.0.1" || strings.Join(pod.Spec.HostAliases[0].Hostnames, ",") != "kubernetes" {
			t.Errorf("%s: kube-vip reaches its own API server as kubernetes:%d; the pod needs the host alias", file, plan.APIServerPort)
		}
	}
}

// TestNamedMachines: where a design names machines by DNS name, each
// consumer gets what ARCHITECTURE.md's "Machines addressed by name" says:
// the API server's certificate and HAProxy's backends carry the name (and
// HAProxy resolves it at start), a named control-plane node or worker has
// no advertiseAddress and no --node-ip (kubeadm detects them), a named
// external etcd member listens on every address and advertises its name,
// with the name in its certificates. The designs between them name
// control-plane nodes, workers and etcd members.
func TestNamedMachines(t *testing.T) {
	paths, _ := filepath.Glob("testdata/designs/*.hcl")
	roles := map[spec.Role]bool{}
	for _, path := range paths {
		s, diags := spec.NewLoader().Load(path, spec.Options{})
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		p := plan.Build(s)
		named := p.NamedMachines()
		if len(named) == 0 {
			continue
		}
		tree, err := render.Render(p)
		if err != nil {
			t.Fatal(err)
		}
		arch := string(tree["ARCHITECTURE.md"])
		if !strings.Contains(arch, "### Machines addressed by name") {
			t.Errorf("%s: ARCHITECTURE.md does not say how the named machines are handled", path)
		}
		for _, m := range named {
			roles[m.Role] = true
			if !strings.Contains(arch, m.Name+" ("+m.Address+")") {
				t.Errorf("%s: ARCHITECTURE.md does not list %s (%s)", path, m.Name, m.Address)
			}
			switch m.Role {
			case spec.RoleControlPlane, spec.RoleWorker:
				for file, b := range tree {
					if !strings.HasPrefix(file, "kubeadm/") || !strings.HasSuffix(file, "/"+m.Name+".yaml") {
						continue
					}
					if strings.Contains(string(b), "advertiseAddress") || strings.Contains(string(b), "node-ip") {
						t.Errorf("%s: %s gives kubeadm an address for the named %s", path, file, m.Name)
					}
				}
				if m.Role == spec.RoleControlPlane {
					if !slices.Contains(p.CertSANs, m.Address) {
						t.Errorf("%s: the API server's certificate lacks %s", path, m.Address)
					}
					if cfg := string(tree["loadbalancer/haproxy.cfg"]); cfg != "" &&
						(!strings.Contains(cfg, "server "+m.Name+" "+m.Address+":") || !strings.Contains(cfg, "init-addr last,libc,none")) {
						t.Errorf("%s: HAProxy does not reach %s by name, resolved at start", path, m.Name)
					}
				}
			case spec.RoleEtcd:
				b := string(tree["kubeadm/etcd/"+m.Name+".yaml"])
				for _, want := range []string{`"https://0.0.0.0:2379"`, `"https://0.0.0.0:2380"`, `"https://` + m.Address + `:2379"`, `"https://` + m.Address + `:2380"`,
					"- \"" + m.Address + "\"\n", "=https://" + m.Address + ":2380"} {
					if !strings.Contains(b, want) {
						t.Errorf("%s: kubeadm/etcd/%s.yaml lacks %s", path, m.Name, want)
					}
				}
				if strings.Contains(b, "advertiseAddress") {
					t.Errorf("%s: kubeadm/etcd/%s.yaml gives an advertiseAddress for a name", path, m.Name)
				}
			}
		}
	}
	for _, r := range []spec.Role{spec.RoleControlPlane, spec.RoleWorker, spec.RoleEtcd} {
		if !roles[r] {
			t.Errorf("no design names a machine of role %s", r)
		}
	}
}
