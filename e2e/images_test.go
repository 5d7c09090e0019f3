package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/blueprint-dev/blueprint/internal/controlplane"
	"github.com/blueprint-dev/blueprint/plan"
	"github.com/blueprint-dev/blueprint/render"
	"github.com/blueprint-dev/blueprint/spec"
	"github.com/blueprint-dev/blueprint/validate"
	"github.com/blueprint-dev/blueprint/verify"
)

// The policy's messages, as policy.yaml writes them.
const (
	msgForeign    = "is not from a registry this cluster allows"
	msgNoVersion  = "names no version"
	msgNoDigest   = "is not pinned by digest"
	msgKubeSystem = "is not one kube-system may run"
)

// renderImagesSpec renders testdata/images.hcl with an admission mode.
func renderImagesSpec(t *testing.T, mode string) (*plan.Plan, string) {
	t.Helper()
	return renderFile(t, "testdata/images.hcl", spec.Options{Vars: []string{"admission=" + mode}})
}

// renderFile renders a spec of testdata/, which must validate without a
// warning, into a temporary folder.
func renderFile(t *testing.T, path string, opts spec.Options) (*plan.Plan, string) {
	t.Helper()
	s, diags := spec.NewLoader().Load(path, opts)
	if s != nil {
		diags = append(diags, validate.Spec(s)...)
	}
	if diags.HasErrors() || len(diags) > 0 {
		t.Fatalf("%s: %v", path, diags)
	}
	p := plan.Build(s)
	tree, err := render.Render(p)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if err := render.Write(dir, tree); err != nil {
		t.Fatal(err)
	}
	return p, dir
}

// digestOf is a made-up digest for a reference, as testdata/images.lock's.
func digestOf(ref string) string {
	sum := sha256.Sum256([]byte(ref))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// restrictedPod is a pod Pod Security "restricted" admits, with the
// images given for its init containers and containers.
func restrictedPod(ns, name string, inits []string, images ...string) controlplane.Object {
	container := func(n int, prefix, image string) map[string]any {
		return map[string]any{
			"name": fmt.Sprintf("%s%d", prefix, n), "image": image,
			"securityContext": map[string]any{
				"allowPrivilegeEscalation": false, "runAsNonRoot": true, "runAsUser": 1000,
				"capabilities": map[string]any{"drop": []any{"ALL"}}, "seccompProfile": map[string]any{"type": "RuntimeDefault"},
			},
		}
	}
	var cs, ics []any
	for i, img := range images {
		cs = append(cs, container(i, "c", img))
	}
	for i, img := range inits {
		ics = append(ics, container(i, "init", img))
	}
	spec := map[string]any{"containers": cs}
	if len(ics) > 0 {
		spec["initContainers"] = ics
	}
	return controlplane.Object{"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "namespace": ns}, "spec": spec}
}

// wrap puts a pod's spec into a workload of the kind given.
func wrap(kind string, pod controlplane.Object) controlplane.Object {
	meta := pod["metadata"].(map[string]any)
	labels := map[string]any{"app": meta["name"]}
	tmpl := map[string]any{"metadata": map[string]any{"labels": labels}, "spec": pod["spec"]}
	switch kind {
	case "CronJob":
		ps := pod["spec"].(map[string]any)
		ps["restartPolicy"] = "OnFailure"
		return controlplane.Object{"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta,
			"spec": map[string]any{"schedule": "0 * * * *", "jobTemplate": map[string]any{"spec": map[string]any{"template": tmpl}}}}
	default:
		return controlplane.Object{"apiVersion": "apps/v1", "kind": kind, "metadata": meta,
			"spec": map[string]any{"selector": map[string]any{"matchLabels": labels}, "template": tmpl}}
	}
}

// TestImageAdmission proves the images admission policy on a real API
// server, in both directions: with the rendered policies installed and
// bound, every object of the tree, the rendered static pods and the static
// pods kubeadm writes with the rendered patches are admitted; pods and
// workloads with an image from another registry, :latest, no tag, no
// digest, or (in kube-system) an image blueprint does not know are refused
// with the policy's message; mirror pods are left alone; the type check of
// every expression finds nothing; and audit mode admits with a warning.
func TestImageAdmission(t *testing.T) {
	opts := need(t, controlplane.Options{ControllerManager: true})
	kubeadm := needTool(t, "kubeadm")
	p, dir := renderImagesSpec(t, "enforce")
	opts.WorkDir = t.TempDir()
	opts.ServiceCIDR = p.ServiceSubnet
	cp := start(t, opts)
	ctx := context.Background()
	var mu sync.Mutex
	var warnings []string
	c := cp.Client().WithWarnings(func(w string) {
		mu.Lock()
		warnings = append(warnings, w)
		mu.Unlock()
	})

	objs := kustomize(t, filepath.Join(dir, "manifests"))
	foundations := controlplane.Select(objs, controlplane.IsFoundation)
	for _, r := range c.ApplyAll(ctx, foundations, false) {
		t.Fatalf("rejected: %s", r)
	}
	if err := c.WaitEstablished(ctx, foundations, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, ns := range append(p.ImageSupply.Admission.Namespaces, "kube-system") {
		ensureServiceAccount(t, c, ns)
	}
	policies := controlplane.Select(objs, isAdmissionPolicy)
	if len(policies) != 4 {
		t.Fatalf("the tree holds %d admission policies and bindings, want 2 of each", len(policies))
	}
	installPolicies(t, c, policies, "apps", spec.AdmissionEnforce)

	t.Run("type check", func(t *testing.T) { checkTypeChecking(t, c, policies) })

	t.Run("every object of the tree is admitted", func(t *testing.T) {
		rejected := c.ApplyAll(ctx, objs, true)
		for _, r := range rejected {
			t.Errorf("rejected: %s", r)
		}
		t.Logf("%d objects of the tree dry-run with the policies enforced, %d rejected", len(objs), len(rejected))
	})

	t.Run("static pods", func(t *testing.T) {
		n := dryRunStaticPods(t, c, dir)
		pinned, tagged := kubeadmStaticPods(t, kubeadm, dir)
		for _, o := range pinned {
			if err := c.Apply(ctx, o, true); err != nil {
				t.Errorf("kubeadm's %s, written with the rendered patches, refused in kube-system: %v", o.Name(), err)
			}
		}
		// Without the patches kubeadm writes tags only, which this
		// policy, requiring digests, does not know.
		for _, o := range tagged {
			err := c.Apply(ctx, o, true)
			if err == nil || !strings.Contains(err.Error(), msgKubeSystem) {
				t.Errorf("kubeadm's %s written without the patches: want refused (%s), got %v", o.Name(), msgKubeSystem, err)
			}
		}
		t.Logf("%d rendered static pods and %d of kubeadm's admitted in kube-system; %d unpinned ones refused", n, len(pinned), len(tagged))
	})

	allowed := "harbor.example.com/apps/web:1.4.2"
	pinnedAllowed := allowed + "@" + digestOf(allowed)
	cilium := "mirror.example.com:5000/cilium/cilium:v1.18.2"
	cases := []struct {
		name string
		obj  controlplane.Object
		want string // "" admitted, else a part of the refusal
	}{
		{"allowed registry, pinned", restrictedPod("apps", "ok", nil, pinnedAllowed), ""},
		{"mirror image, pinned", restrictedPod("apps", "mirror", nil, p.Image("busybox")), ""},
		{"another registry", restrictedPod("apps", "foreign", nil, "docker.io/library/nginx:1.27.3@"+digestOf("nginx")), msgForeign},
		{"a name without registry", restrictedPod("apps", "short", nil, "nginx:1.27.3@"+digestOf("nginx")), msgForeign},
		{"a look-alike host", restrictedPod("apps", "lookalike", nil, "harbor.example.com.evil.example/apps/web:1.4.2@"+digestOf("x")), msgForeign},
		{"latest", restrictedPod("apps", "latest", nil, "harbor.example.com/apps/web:latest"), msgNoVersion},
		{"untagged", restrictedPod("apps", "untagged", nil, "harbor.example.com/apps/web"), msgNoVersion},
		{"untagged behind a port", restrictedPod("apps", "port", nil, "mirror.example.com:5000/library/web"), msgNoVersion},
		{"tag without digest", restrictedPod("apps", "nodigest", nil, allowed), msgNoDigest},
		{"init container from another registry", restrictedPod("apps", "init", []string{"quay.io/evil/init:1@" + digestOf("i")}, pinnedAllowed), msgForeign},
		{"Deployment template", wrap("Deployment", restrictedPod("apps", "deploy", nil, "docker.io/library/nginx:1.27.3")), msgForeign},
		{"StatefulSet template", wrap("StatefulSet", restrictedPod("apps", "sts", nil, "harbor.example.com/apps/web:latest")), msgNoVersion},
		{"CronJob template", wrap("CronJob", restrictedPod("apps", "cron", nil, allowed)), msgNoDigest},
		{"Deployment, pinned", wrap("Deployment", restrictedPod("apps", "deploy-ok", nil, pinnedAllowed)), ""},
		{"another registry in a managed namespace of blueprint's", restrictedPod("monitoring", "foreign", nil, "docker.io/library/nginx:1.27.3"), msgForeign},
		{"kube-system: an allowed registry is not enough", restrictedPod("kube-system", "prom", nil, p.Image("prometheus")), msgKubeSystem},
		{"kube-system: a known add-on", restrictedPod("kube-system", "addon", nil, p.Image("metrics-server")), ""},
		{"kube-system: extra_allowed prefix, pinned", restrictedPod("kube-system", "cni", nil, cilium+"@"+digestOf(cilium)), ""},
		{"kube-system: extra_allowed prefix, unpinned", restrictedPod("kube-system", "cni-tag", nil, cilium), msgNoDigest},
		{"not a namespace blueprint manages", restrictedPod("default", "unmanaged", nil, "docker.io/library/nginx:latest"), ""},
		// The image the Trivy Operator gives its scan jobs, joined from the
		// rendered trivy.repository and trivy.tag as the operator joins them.
		{"a Trivy scan job", restrictedPod(p.Services.ImageScanning.Namespace, "scan-vulnerabilityreport-x", nil, scanJobImage(t, p)), ""},
	}
	ensureServiceAccount(t, c, "default")
	t.Run("pods and workloads", func(t *testing.T) {
		for _, tc := range cases {
			err := c.Apply(ctx, tc.obj, true)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("%s: refused: %v", tc.name, err)
			case tc.want != "" && err == nil:
				t.Errorf("%s: admitted; want refused with %q", tc.name, tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Errorf("%s: refused with %v; want the policy's %q", tc.name, err, tc.want)
			}
		}
	})

	t.Run("mirror pods are not checked", func(t *testing.T) {
		mirror := restrictedPod("kube-system", "kube-apiserver-cp1", nil, "docker.io/library/nginx:latest")
		mirror["metadata"].(map[string]any)["annotations"] = map[string]any{"kubernetes.io/config.mirror": "0123"}
		mirror["spec"].(map[string]any)["nodeName"] = "cp1"
		if err := c.Apply(ctx, mirror, true); err != nil {
			t.Errorf("a mirror pod was refused: %v", err)
		}
		plain := restrictedPod("kube-system", "kube-apiserver-cp1", nil, "docker.io/library/nginx:latest")
		if err := c.Apply(ctx, plain, true); err == nil || !strings.Contains(err.Error(), msgKubeSystem) {
			t.Errorf("the same pod without the mirror annotation: want refused, got %v", err)
		}
	})

	t.Run("ephemeral containers", func(t *testing.T) {
		pod := restrictedPod("apps", "debug-me", nil, pinnedAllowed)
		if err := c.Apply(ctx, pod, false); err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/namespaces/apps/pods/debug-me"
		var live map[string]any
		if err := c.Get(ctx, path, &live); err != nil {
			t.Fatal(err)
		}
		debugger := restrictedPod("apps", "x", nil, "docker.io/library/busybox:1.37.0")["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
		debugger["name"] = "debugger"
		live["spec"].(map[string]any)["ephemeralContainers"] = []any{debugger}
		body, _ := json.Marshal(live)
		_, err := c.Do(ctx, http.MethodPut, path+"/ephemeralcontainers", "application/json", body)
		if err == nil || !strings.Contains(err.Error(), msgForeign) {
			t.Errorf("an ephemeral container from another registry: want refused with %q, got %v", msgForeign, err)
		}
	})

	t.Run("many containers stay within the cost budget", func(t *testing.T) {
		var many []string
		for i := 0; i < 100; i++ {
			many = append(many, pinnedAllowed)
		}
		if err := c.Apply(ctx, restrictedPod("apps", "many", nil, many...), true); err != nil {
			t.Errorf("a pod of 100 allowed containers: %v", err)
		}
		many[99] = "docker.io/library/nginx:1.27.3"
		err := c.Apply(ctx, restrictedPod("apps", "many", nil, many...), true)
		if err == nil || !strings.Contains(err.Error(), "docker.io/library/nginx:1.27.3 "+msgForeign) {
			t.Errorf("a pod of 100 containers, the last foreign: want refused naming it, got %v", err)
		}
	})

	t.Run("audit mode admits with a warning", func(t *testing.T) {
		_, auditDir := renderImagesSpec(t, "audit")
		audit := controlplane.Select(kustomize(t, filepath.Join(auditDir, "manifests")), isAdmissionPolicy)
		bad := restrictedPod("apps", "audited", nil, "docker.io/library/nginx:latest")
		installPolicies(t, c, audit, "apps", spec.AdmissionAudit)
		mu.Lock()
		warnings = nil
		mu.Unlock()
		if err := c.Apply(ctx, bad, true); err != nil {
			t.Fatalf("audit mode refused: %v", err)
		}
		mu.Lock()
		got := strings.Join(warnings, "\n")
		mu.Unlock()
		for _, want := range []string{msgForeign, msgNoVersion} {
			if !strings.Contains(got, want) {
				t.Errorf("audit mode's warnings lack %q:\n%s", want, got)
			}
		}
	})
}

// isAdmissionPolicy reports whether o is a ValidatingAdmissionPolicy or
// its binding.
func isAdmissionPolicy(o controlplane.Object) bool {
	return strings.HasPrefix(o.GroupKind(), "ValidatingAdmissionPolicy")
}

// installPolicies applies the policies for real and waits (bounded) until
// the API server enforces them: a probe pod with a :latest image from
// Docker Hub, dry-run in the managed namespace ns, is refused by the policy
// (enforce) or admitted with its warning (audit).
func installPolicies(t *testing.T, c *controlplane.Client, policies []controlplane.Object, ns, mode string) {
	t.Helper()
	ctx := context.Background()
	for _, r := range c.ApplyAll(ctx, policies, false) {
		t.Fatalf("rejected: %s", r)
	}
	ensureServiceAccount(t, c, ns)
	probe := restrictedPod(ns, "probe", nil, "docker.io/library/nginx:latest")
	deadline := time.Now().Add(60 * time.Second)
	for i := 0; ; i++ {
		var warned bool
		policy := "ValidatingAdmissionPolicy '" + plan.ImagesPolicy + "'"
		err := c.WithWarnings(func(w string) { warned = warned || strings.Contains(w, policy) }).Apply(ctx, probe, true)
		if (mode == spec.AdmissionEnforce && err != nil && strings.Contains(err.Error(), policy)) ||
			(mode == spec.AdmissionAudit && err == nil && warned) {
			t.Logf("%s policies in force after %d probes", mode, i+1)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the %s policies are not in force 60s after they were applied: the probe got %v", mode, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkTypeChecking waits (bounded) for the API server's type check of
// each policy against the kinds it matches, and fails on any warning: an
// expression that names a field a kind lacks.
func checkTypeChecking(t *testing.T, c *controlplane.Client, policies []controlplane.Object) {
	t.Helper()
	for _, o := range policies {
		if o.Kind() != "ValidatingAdmissionPolicy" {
			continue
		}
		path := "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/" + o.Name()
		deadline := time.Now().Add(60 * time.Second)
		for {
			var got struct {
				Metadata struct{ Generation int64 }
				Status   struct {
					ObservedGeneration int64
					TypeChecking       *struct {
						ExpressionWarnings []struct{ FieldRef, Warning string }
					}
				}
			}
			if err := c.Get(context.Background(), path, &got); err != nil {
				t.Fatal(err)
			}
			if got.Status.TypeChecking != nil && got.Status.ObservedGeneration == got.Metadata.Generation {
				for _, w := range got.Status.TypeChecking.ExpressionWarnings {
					t.Errorf("%s: type check of %s: %s", o.Name(), w.FieldRef, w.Warning)
				}
				t.Logf("%s: type-checked, %d warnings", o.Name(), len(got.Status.TypeChecking.ExpressionWarnings))
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no type check in its status after 60s", o.Name())
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
}

// kubeadmStaticPods runs `kubeadm init --dry-run` with the rendered init
// config twice, with the rendered patches (where the config names them)
// and without, and returns the static pods each run wrote.
func kubeadmStaticPods(t *testing.T, kubeadm, dir string) (pinned, tagged []controlplane.Object) {
	t.Helper()
	inits, _ := filepath.Glob(filepath.Join(dir, "kubeadm", "init", "*.yaml"))
	if len(inits) != 1 {
		t.Fatalf("want one init config, got %v", inits)
	}
	raw, err := os.ReadFile(inits[0])
	if err != nil {
		t.Fatal(err)
	}
	filled := string(verify.Fill(raw))
	if !strings.Contains(filled, "directory: \""+plan.PatchesDir+"\"") {
		t.Fatalf("the init config does not name the patches folder %s", plan.PatchesDir)
	}
	for _, withPatches := range []bool{true, false} {
		work := t.TempDir()
		cfg := strings.ReplaceAll(filled, "\""+plan.PatchesDir+"\"", "\""+filepath.Join(dir, "kubeadm", "patches")+"\"")
		if !withPatches {
			cfg = strings.ReplaceAll(filled, "\""+plan.PatchesDir+"\"", "\""+filepath.Join(work, "none")+"\"")
			if err := os.Mkdir(filepath.Join(work, "none"), 0o700); err != nil {
				t.Fatal(err)
			}
		}
		path := filepath.Join(work, "init.yaml")
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		dry := filepath.Join(work, "dry")
		cmd := exec.Command(kubeadm, "init", "--dry-run", "--config", path, "--ignore-preflight-errors=all")
		cmd.Env = append(os.Environ(), "KUBEADM_INIT_DRYRUN_DIR="+dry)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("kubeadm init --dry-run: %v\n%s", err, out)
		}
		for _, name := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd"} {
			b, err := os.ReadFile(filepath.Join(dry, name+".yaml"))
			if err != nil {
				t.Fatalf("the dry run wrote no %s manifest: %v", name, err)
			}
			objs, err := controlplane.ParseObjects(b)
			if err != nil || len(objs) != 1 {
				t.Fatalf("%s.yaml: %v", name, err)
			}
			if withPatches {
				pinned = append(pinned, objs[0])
			} else {
				tagged = append(tagged, objs[0])
			}
		}
		if withPatches {
			for _, c := range []string{"coredns", "kube-proxy"} {
				for _, img := range p2images(dir) {
					if strings.Contains(img, "/"+c+":") && !strings.Contains(string(out), img) {
						t.Errorf("kubeadm's dry run with the patches does not create %s with %s:\n%s", c, img, out)
					}
				}
			}
		}
	}
	return pinned, tagged
}

// p2images returns the pinned references of the rendered kubeadm patches.
func p2images(dir string) []string {
	files, _ := filepath.Glob(filepath.Join(dir, "kubeadm", "patches", "*.yaml"))
	var out []string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, line := range strings.Split(string(b), "\n") {
			if _, img, ok := strings.Cut(strings.TrimSpace(line), "image: "); ok {
				out = append(out, strings.Trim(img, "\""))
			}
		}
	}
	return out
}

// scanJobImage is the image the Trivy Operator v0.32.0 runs its scan jobs
// with: "%s:%s" of trivy.repository and trivy.tag
// (pkg/plugins/trivy/config.go, GetImageRef).
func scanJobImage(t *testing.T, p *plan.Plan) string {
	t.Helper()
	if p.Services.ImageScanning == nil {
		t.Fatal("the images spec no longer scans images: the scan jobs' admission goes unchecked")
	}
	conf := map[string]string{}
	for _, l := range p.Services.ImageScanning.TrivyConfig {
		conf[l.Key] = l.Value
	}
	return conf["trivy.repository"] + ":" + conf["trivy.tag"]
}
