// Package e2e checks blueprint's output against a real control plane: etcd,
// kube-apiserver, kube-controller-manager and kube-scheduler v1.37, started
// on 127.0.0.1 for each spec in blueprints/ with one simulated Node per
// machine of the spec. See the README's "End-to-end suite" section.
package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/internal/platformcrds"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
)

// scheduleTimeout bounds the wait for every pod of every workload to be
// bound to a node.
const scheduleTimeout = 90 * time.Second

// Capacity given to control-plane nodes, which the spec does not size.
const (
	controlPlaneCPU    = "4"
	controlPlaneMemory = "16Gi"
)

// need returns the server options, skipping the test on a developer
// machine (failing it in CI) when a program is missing.
func need(t *testing.T, opts controlplane.Options) controlplane.Options {
	t.Helper()
	missing := opts.Missing()
	if len(missing) == 0 {
		return opts
	}
	msg := strings.Join(missing, ", ") + " not installed"
	if os.Getenv("CI") != "" {
		t.Fatalf("%s; .ci/run installs them (see ../shared/VALIDATORS.md)", msg)
	}
	t.Skipf("SKIPPED, not passed: %s here; scripts/install-validators.sh installs them", msg)
	return opts
}

// start runs a control plane for the test, stopped (by process id) when the
// test ends, pass or fail. A failed test gets the end of each server's log.
func start(t *testing.T, opts controlplane.Options) *controlplane.ControlPlane {
	t.Helper()
	cp, err := controlplane.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cp.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})
	t.Cleanup(func() { // runs before Stop
		if t.Failed() {
			for _, name := range []string{controlplane.APIServer, controlplane.ControllerManager, controlplane.Scheduler} {
				if log := cp.Log(name, 4000); log != "" {
					t.Logf("end of the %s log:\n%s", name, log)
				}
			}
		}
	})
	t.Logf("control plane ready in %s (%s)", cp.Startup.Round(time.Millisecond), readyTimes(cp))
	return cp
}

func readyTimes(cp *controlplane.ControlPlane) string {
	var parts []string
	for name, d := range cp.Ready {
		parts = append(parts, name+" "+d.Round(time.Millisecond).String())
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// rendered is one spec of blueprints/, rendered afresh into a temporary folder.
type rendered struct {
	name string
	plan *plan.Plan
	dir  string
}

func renderSpecs(t *testing.T) []rendered {
	t.Helper()
	paths, _ := filepath.Glob("../blueprints/*.hcl")
	if len(paths) == 0 {
		t.Fatal("no specs in ../blueprints/")
	}
	// More specs to check, as globs relative to the repository root.
	for _, g := range strings.Fields(os.Getenv("BLUEPRINT_E2E_SPECS")) {
		more, err := filepath.Glob(filepath.Join("..", g))
		if err != nil || len(more) == 0 {
			t.Fatalf("BLUEPRINT_E2E_SPECS: %q matches no file", g)
		}
		paths = append(paths, more...)
	}
	sort.Strings(paths)
	var out []rendered
	for _, p := range singleClusterSpecs(paths) {
		pl := loadPlan(t, p)
		tree, err := render.Render(pl)
		if err != nil {
			t.Fatalf("rendering %s: %v", p, err)
		}
		dir := filepath.Join(t.TempDir(), "out")
		if err := render.Write(dir, tree); err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".hcl")
		if filepath.Dir(p) != filepath.Join("..", "blueprints") {
			name = strings.TrimPrefix(filepath.ToSlash(strings.TrimSuffix(p, ".hcl")), "../")
		}
		out = append(out, rendered{name: name, plan: pl, dir: dir})
	}
	return out
}

// singleClusterSpecs drops the fleet specs of paths: a fleet's member
// trees are single clusters' trees, checked with the real tools by
// verify's TestRenderedTreesPass (out/fleet/clusters/NAME/); running each
// member against a control plane here too would double this suite's time.
func singleClusterSpecs(paths []string) []string {
	var out []string
	for _, p := range paths {
		if _, f, _ := spec.NewLoader().LoadAny(p, spec.Options{}); f == nil {
			out = append(out, p)
		}
	}
	return out
}

// loadPlan loads and validates a spec, failing the test on an error, and
// returns its plan.
func loadPlan(t *testing.T, path string) *plan.Plan {
	t.Helper()
	s, diags := spec.NewLoader().Load(path, spec.Options{})
	if s != nil {
		diags = append(diags, validate.Spec(s)...)
	}
	if diags.HasErrors() {
		t.Fatalf("%s: %v", path, diags)
	}
	return plan.Build(s)
}

// apiServerArgs has the API server load the rendered audit policy and
// encryption configuration, as kubeadm's extraArgs would on a real master;
// the encryption key is a fresh random one, as ARCHITECTURE.md says to mint.
func apiServerArgs(t *testing.T, dir string) []string {
	t.Helper()
	var args []string
	policy := filepath.Join(dir, "kubeadm", "audit-policy.yaml")
	if _, err := os.Stat(policy); err == nil {
		args = append(args, "--audit-policy-file="+policy, "--audit-log-path="+filepath.Join(t.TempDir(), "audit.log"),
			"--audit-log-maxsize=100")
	}
	enc := filepath.Join(dir, "kubeadm", "encryption-config.yaml")
	if b, err := os.ReadFile(enc); err == nil {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			t.Fatal(err)
		}
		filled := os.Expand(string(b), func(name string) string {
			if name == plan.EncryptionKeyVar {
				return base64.StdEncoding.EncodeToString(key)
			}
			return "${" + name + "}"
		})
		p := filepath.Join(t.TempDir(), "encryption-config.yaml")
		if err := os.WriteFile(p, []byte(filled), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--encryption-provider-config="+p)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "kubeadm", "authentication-config.yaml")); err == nil {
		args = append(args, "--authentication-config="+localAuthentication(t, b))
	}
	return args
}

// localAuthentication writes a copy of a rendered AuthenticationConfiguration
// without its OIDC issuers, whose discovery the API server would fetch from
// hosts outside this machine; the anonymous limits stay as rendered.
// TestAuthentication proves the issuers' part with an issuer of its own.
func localAuthentication(t *testing.T, rendered []byte) string {
	t.Helper()
	var cfg map[string]any
	if err := yaml.UnmarshalStrict(rendered, &cfg); err != nil {
		t.Fatalf("authentication-config.yaml: %v", err)
	}
	if jwt, _ := cfg["jwt"].([]any); len(jwt) > 0 {
		t.Logf("authentication-config.yaml: %d OIDC issuer(s) left out here (their discovery is not on this machine)", len(jwt))
	}
	cfg["jwt"] = []any{}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "authentication-config.yaml")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// nodeSpecs turns the machines of a plan that run a kubelet into the Nodes
// those kubelets would register.
func nodeSpecs(p *plan.Plan) []controlplane.NodeSpec {
	var out []controlplane.NodeSpec
	for _, n := range p.ClusterNodes() {
		// A Node's InternalIP is an address; a machine named by DNS gets
		// none here, as a kubelet without --node-ip reports what it finds.
		s := controlplane.NodeSpec{Name: n.Name, Address: n.IP(), Labels: map[string]string{},
			CPU: strconv.Itoa(n.CPU), Memory: n.Memory}
		if n.CPU == 0 || n.Memory == "" {
			// A pool of unknown capacity: the control-plane nodes' size.
			s.CPU, s.Memory = controlPlaneCPU, controlPlaneMemory
		}
		for _, l := range n.Labels {
			s.Labels[l.Key] = l.Value
		}
		for _, tt := range n.Taints {
			s.Taints = append(s.Taints, corev1.Taint{Key: tt.Key, Value: tt.Value, Effect: corev1.TaintEffect(tt.Effect)})
		}
		if n.Role == spec.RoleControlPlane {
			s.Labels[plan.ControlPlaneLabel] = ""
			s.Labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
			s.CPU, s.Memory = controlPlaneCPU, controlPlaneMemory
		}
		out = append(out, s)
	}
	return out
}

// TestSpecs checks every spec of blueprints/ against a control plane of its
// own, with its machines registered as Nodes.
func TestSpecs(t *testing.T) {
	base := need(t, controlplane.Options{ControllerManager: true, Scheduler: true})
	began := time.Now()
	var summary []string
	for _, r := range renderSpecs(t) {
		t.Run(r.name, func(t *testing.T) {
			opts := base
			opts.WorkDir = t.TempDir()
			opts.ServiceCIDR = r.plan.ServiceSubnet
			opts.APIServerArgs = apiServerArgs(t, r.dir)
			cp := start(t, opts)
			c := cp.Client()
			ctx := context.Background()

			nodes, err := c.RegisterNodes(ctx, nodeSpecs(r.plan))
			if err != nil {
				t.Fatal(err)
			}
			checkNodes(t, r.plan, nodes)
			line := r.name + ": " + strconv.Itoa(len(nodes)) + " nodes"

			staticPods := dryRunStaticPods(t, c, r.dir)
			line += ", " + strconv.Itoa(staticPods) + " static pods dry-run"

			kustomization := filepath.Join(r.dir, "manifests", "kustomization.yaml")
			if _, err := os.Stat(kustomization); err != nil {
				t.Logf("no manifests/kustomization.yaml in the rendered tree: nothing to apply, prove or schedule")
				summary = append(summary, line+", no manifests/ tree")
				return
			}
			objs := kustomize(t, filepath.Dir(kustomization))
			crds, sets, err := platformcrds.Needed(objs)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sets {
				t.Logf("the tree uses %s objects: installing its CRDs from %s first, as %s does", s.Name, s.Origin(), s.Provider)
				line += ", " + s.Name + " CRDs installed"
			}
			if policies := controlplane.Select(objs, isAdmissionPolicy); len(policies) > 0 {
				// The images policies are in force for everything below:
				// the dry run and the workloads applied for real.
				for _, r := range c.ApplyAll(ctx, controlplane.Select(objs, controlplane.IsFoundation), false) {
					t.Fatalf("rejected: %s", r)
				}
				a := r.plan.ImageSupply.Admission
				installPolicies(t, c, policies, a.Namespaces[0], a.Mode)
				line += ", images policies in force (" + a.Mode + ")"
			}
			// The pods operators would make, made in their place
			// (standin_test.go): scheduled and their placement checked
			// with the rest.
			stands := standInObjects(t, r.plan, objs)
			if len(stands) > 0 {
				line += fmt.Sprintf(", %d operator-made workloads stood in for", len(stands))
			}
			res := verifyManifests(t, c, append(append(crds, objs...), stands...))
			line += ", " + res.String()
			if n, requests := checkContracts(t, c, r, objs); n > 0 {
				line += fmt.Sprintf("; %d contracts, %d requests performed as their ServiceAccounts", n, requests)
			}
			if n, sets := dryRunGitOps(t, c, r.dir); n > 0 {
				line += fmt.Sprintf("; gitops/: %d objects dry-run with the %s CRDs", n, setNames(sets))
			}
			summary = append(summary, line)
		})
	}
	t.Logf("suite took %s:\n  %s", time.Since(began).Round(time.Millisecond), strings.Join(summary, "\n  "))
}

// checkNodes makes sure the registered Nodes are the plan's machines, with
// their zones and the taints their kubelets register with.
func checkNodes(t *testing.T, p *plan.Plan, nodes []corev1.Node) {
	t.Helper()
	want := p.ClusterNodes()
	if len(nodes) != len(want) {
		t.Fatalf("registered %d nodes, the plan has %d machines with a kubelet", len(nodes), len(want))
	}
	for i, n := range want {
		got := nodes[i]
		if got.Name != n.Name || got.Labels[corev1.LabelTopologyZone] != n.Zone || got.Labels[corev1.LabelHostname] != n.Name ||
			len(got.Spec.Taints) != len(n.Taints) {
			t.Errorf("node %s registered as %s with labels %v and taints %v; the plan says zone %s, taints %v",
				n.Name, got.Name, got.Labels, got.Spec.Taints, n.Zone, n.Taints)
		}
	}
}

// dryRunStaticPods submits each rendered static pod to the API server as a
// Pod in kube-system, with a server-side dry run: the API server's
// validation and admission (Pod Security included) must accept it.
func dryRunStaticPods(t *testing.T, c *controlplane.Client, dir string) int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "loadbalancer", "static-pods", "*.yaml"))
	if len(files) == 0 {
		return 0
	}
	ensureServiceAccount(t, c, "kube-system")
	var pods []controlplane.Object
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := controlplane.ParseObjects(b)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, o := range objs {
			if o.Kind() != "Pod" || o.Namespace() != "kube-system" {
				t.Errorf("%s: %s is not a Pod in kube-system", f, o)
			}
		}
		pods = append(pods, objs...)
	}
	for _, r := range c.ApplyAll(context.Background(), pods, true) {
		t.Errorf("static pod rejected: %s", r)
	}
	return len(pods)
}

// ensureServiceAccount makes sure a namespace has its default
// ServiceAccount, which admission needs for any Pod there. The controller
// manager creates it, but only some seconds after it starts; creating it
// first saves that wait and changes nothing else.
func ensureServiceAccount(t *testing.T, c *controlplane.Client, ns string) {
	t.Helper()
	sa := map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": map[string]any{"name": "default", "namespace": ns}}
	err := c.Post(context.Background(), "/api/v1/namespaces/"+ns+"/serviceaccounts", sa, nil)
	if e, ok := err.(*controlplane.APIError); err != nil && !(ok && e.Code == http.StatusConflict) {
		t.Fatalf("creating the default ServiceAccount of namespace %s: %v", ns, err)
	}
}

// kustomize builds a kustomization with kustomize's library and, where
// kubectl is installed, with `kubectl kustomize` as users will; the two
// must agree. (kubectl is on the machine image but not in Debian 12 in a
// usable version, and cannot be built from tools/k8s's module as pinned.)
func kustomize(t *testing.T, dir string) []controlplane.Object {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	y, err := m.AsYaml()
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	objs, err := controlplane.ParseObjects(y)
	if err != nil {
		t.Fatalf("kustomize build %s printed something that is not Kubernetes objects: %v", dir, err)
	}
	if len(objs) == 0 {
		t.Fatalf("kustomize build %s built no objects", dir)
	}
	kubectl, err := controlplane.FindTool("kubectl")
	if err != nil {
		t.Logf("kubectl is not installed: %s built with kustomize's library only", dir)
		return objs
	}
	cmd := exec.Command(kubectl, "kustomize", dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, stderr.String())
	}
	byKubectl, err := controlplane.ParseObjects(out)
	if err != nil {
		t.Fatalf("kubectl kustomize %s printed something that is not Kubernetes objects: %v", dir, err)
	}
	if a, b := canonical(objs), canonical(byKubectl); a != b {
		t.Errorf("kubectl kustomize %s and kustomize's library built different objects:\n%s\n---- kubectl:\n%s", dir, a, b)
	}
	return byKubectl
}

// canonical prints objects as sorted JSON lines, for comparison.
func canonical(objs []controlplane.Object) string {
	var lines []string
	for _, o := range objs {
		b, err := json.Marshal(o)
		if err != nil {
			return err.Error()
		}
		lines = append(lines, string(b))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
